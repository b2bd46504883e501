// GENERATED from the official AA-CLIP prompt/class tables (Mwxinnn/AA-CLIP, as recorded in
// fixtures/official-prompts.json). Data only: edit by regenerating, not by hand.
// Dataset order: industrial sets (MVTec, VisA, MPDD, BTAD), then medical sets. Class order within
// a dataset follows the official CLASS_NAMES lists.

import type { DatasetDefinition, PromptSet } from './types';

/**
 * The official AA-CLIP prompt set (`prompt_normal`, `prompt_abnormal`, `prompt_templates`).
 *
 * @example
 * AACLIP_PROMPT_SET.templates; // ['{}.', 'a photo of {}.']
 */
export const AACLIP_PROMPT_SET: PromptSet = {
  name: 'aaclip',
  normalStates: [
    "{}",
    "a {}",
    "the {}",
  ],
  abnormalStates: [
    "a damaged {}",
    "a broken {}",
    "a {} with flaw",
    "a {} with defect",
    "a {} with damage",
  ],
  templates: [
    "{}.",
    "a photo of {}.",
  ],
};

/**
 * The official AA-CLIP datasets: name, domain and the class -> real-name table
 * (`CLASS_NAMES`, `REAL_NAMES`, `DOMAINS` of the official code).
 *
 * @example
 * OFFICIAL_DATASETS.find((d) => d.name === 'MVTec')?.classes[0]; // { name: 'bottle', realName: 'dark bottle' }
 */
export const OFFICIAL_DATASETS: readonly DatasetDefinition[] = [
  {
    name: "MVTec",
    domain: 'industrial',
    classes: [
      { name: "bottle", realName: "dark bottle" },
      { name: "cable", realName: "top view of three cables" },
      { name: "capsule", realName: "black and orange capsule" },
      { name: "carpet", realName: "gray carpet" },
      { name: "grid", realName: "metal or plastic mesh" },
      { name: "hazelnut", realName: "single brown hazelnut" },
      { name: "leather", realName: "brown leather" },
      { name: "metal_nut", realName: "metal nut which has four notched edges" },
      { name: "pill", realName: "oval white pill with small red speckles and the letters 'FF' engraved" },
      { name: "screw", realName: "screw" },
      { name: "tile", realName: "speckled tile surface" },
      { name: "transistor", realName: "a three-legged transistor placed vertically" },
      { name: "toothbrush", realName: "toothbrush head" },
      { name: "wood", realName: "wood surface" },
      { name: "zipper", realName: "a black zipper" },
    ],
  },
  {
    name: "VisA",
    domain: 'industrial',
    classes: [
      { name: "candle", realName: "candle" },
      { name: "pcb3", realName: "infrared sensor pcb module" },
      { name: "capsules", realName: "capsules" },
      { name: "pipe_fryum", realName: "pipe-shaped fryum" },
      { name: "pcb4", realName: "battery charging pcb module" },
      { name: "macaroni2", realName: "scattered yellow macaroni" },
      { name: "pcb2", realName: "integrated circuits board" },
      { name: "chewinggum", realName: "chewing gum" },
      { name: "macaroni1", realName: "orange macaroni" },
      { name: "cashew", realName: "cashew nut" },
      { name: "fryum", realName: "wheel-shaped fryum snack" },
      { name: "pcb1", realName: "dual ultrasonic distance sensor pcb module" },
    ],
  },
  {
    name: "MPDD",
    domain: 'industrial',
    classes: [
      { name: "connector", realName: "metal clamps with black adjustment knobs" },
      { name: "tubes", realName: "scattered metal objects" },
      { name: "metal_plate", realName: "blue rectangular metal plate with a notch on one side" },
      { name: "bracket_white", realName: "white, elongated triangular metal bracket with a smooth, matte finish" },
      { name: "bracket_brown", realName: "brown L-shaped metal bracket with smooth, glossy finish and multiple mounting holes along its arms" },
      { name: "bracket_black", realName: "black ornamental metal bracket with spiral design attached to a rectangular frame" },
    ],
  },
  {
    name: "BTAD",
    domain: 'industrial',
    classes: [
      { name: "01", realName: "Bright concentric rings in neon yellow and blue tones against a dark blue background, resembling a stylized wave or energy field radiating outward." },
      { name: "02", realName: "vertical fabric lines in warm, dusty pink and beige tones" },
      { name: "03", realName: "oval concentric circular rings in gradient shades of blue and white" },
    ],
  },
  {
    name: "Brain",
    domain: 'medical',
    classes: [
      { name: "Brain", realName: "scan" },
    ],
  },
  {
    name: "Liver",
    domain: 'medical',
    classes: [
      { name: "Liver", realName: "scan" },
    ],
  },
  {
    name: "Retina",
    domain: 'medical',
    classes: [
      { name: "Retina", realName: "scan" },
    ],
  },
  {
    name: "Colon_clinicDB",
    domain: 'medical',
    classes: [
      { name: "Colon_clinicDB", realName: "colon endoscopy image" },
    ],
  },
  {
    name: "Colon_colonDB",
    domain: 'medical',
    classes: [
      { name: "Colon_colonDB", realName: "colon endoscopy image" },
    ],
  },
  {
    name: "Colon_Kvasir",
    domain: 'medical',
    classes: [
      { name: "Kvasir", realName: "colon endoscopy image" },
    ],
  },
  {
    name: "Colon_cvc300",
    domain: 'medical',
    classes: [
      { name: "CVC-300", realName: "colon endoscopy image" },
    ],
  },
];
