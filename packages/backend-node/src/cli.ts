console.log("aaclip CLI: coming soon"); export {};
