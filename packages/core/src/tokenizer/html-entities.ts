// HTML character-reference decoding with the semantics of Python's `html.unescape` (which CLIP
// applies twice to every prompt), plus the lookups ftfy's `unescape_html` step needs.
//
// The named-reference table is a subset of the WHATWG list: every HTML 4 entity, the 106
// "legacy" names that are also recognised without a trailing semicolon, common HTML5 additions
// (punctuation, arrows, maths, Latin Extended-A letters), and every name that starts with a
// legacy name (so the legacy-prefix rule never fires where Python would find the full name).
// Values are code points in hex, `+`-joined when a reference expands to several. A reference
// missing from this table is left as it is (Python would decode the ~1,700 rare names omitted).

import { WINDOWS_1252_C1 } from './windows-1252';

const NAMED_DATA =
  'Aacute:c1,aacute:e1,Abreve:102,abreve:103,Acirc:c2,acirc:e2,acute:b4,AElig:c6,aelig:e6,' +
  'Agrave:c0,agrave:e0,alefsym:2135,Alpha:391,alpha:3b1,Amacr:100,amacr:101,AMP:26,amp:26,and:2227,' +
  'ang:2220,angst:c5,Aogon:104,aogon:105,apos:27,approx:2248,Aring:c5,aring:e5,ast:2a,asymp:2248,' +
  'Atilde:c3,atilde:e3,Auml:c4,auml:e4,bdquo:201e,Beta:392,beta:3b2,bigstar:2605,brvbar:a6,bsol:5c,' +
  'bull:2022,bullet:2022,Cacute:106,cacute:107,cap:2229,Ccaron:10c,ccaron:10d,Ccedil:c7,ccedil:e7,' +
  'cedil:b8,cent:a2,CenterDot:b7,centerdot:b7,check:2713,checkmark:2713,Chi:3a7,chi:3c7,circ:2c6,' +
  'circledR:ae,clubs:2663,clubsuit:2663,colon:3a,comma:2c,commat:40,cong:2245,COPY:a9,copy:a9,' +
  'copysr:2117,crarr:21b5,cross:2717,cup:222a,curren:a4,Dagger:2021,dagger:2020,dArr:21d3,' +
  'darr:2193,dash:2010,Dcaron:10e,dcaron:10f,DD:2145,deg:b0,Delta:394,delta:3b4,' +
  'DiacriticalGrave:60,DiacriticalTilde:2dc,diamondsuit:2666,diams:2666,div:f7,divide:f7,' +
  'divideontimes:22c7,dollar:24,downarrow:2193,Dstrok:110,dstrok:111,Eacute:c9,eacute:e9,' +
  'Ecaron:11a,ecaron:11b,Ecirc:ca,ecirc:ea,Edot:116,edot:117,Egrave:c8,egrave:e8,Emacr:112,' +
  'emacr:113,empty:2205,emptyset:2205,emsp:2003,ENG:14a,eng:14b,ensp:2002,Eogon:118,eogon:119,' +
  'epsi:3b5,Epsilon:395,epsilon:3b5,equals:3d,equiv:2261,Eta:397,eta:3b7,ETH:d0,eth:f0,Euml:cb,' +
  'euml:eb,euro:20ac,excl:21,exist:2203,female:2640,flat:266d,fnof:192,forall:2200,frac12:bd,' +
  'frac13:2153,frac14:bc,frac15:2155,frac16:2159,frac18:215b,frac23:2154,frac25:2156,frac34:be,' +
  'frac35:2157,frac38:215c,frac45:2158,frac56:215a,frac58:215d,frac78:215e,frasl:2044,Gamma:393,' +
  'gamma:3b3,Gbreve:11e,gbreve:11f,ge:2265,geq:2265,grave:60,GT:3e,gt:3e,gtcc:2aa7,gtcir:2a7a,' +
  'gtdot:22d7,gtlPar:2995,gtquest:2a7c,gtrapprox:2a86,gtrarr:2978,gtrdot:22d7,gtreqless:22db,' +
  'gtreqqless:2a8c,gtrless:2277,gtrsim:2273,hairsp:200a,half:bd,hArr:21d4,harr:2194,Hat:5e,' +
  'hearts:2665,heartsuit:2665,hellip:2026,hookleftarrow:21a9,hookrightarrow:21aa,hyphen:2010,' +
  'Iacute:cd,iacute:ed,Icirc:ce,icirc:ee,Idot:130,iexcl:a1,Igrave:cc,igrave:ec,Imacr:12a,imacr:12b,' +
  'image:2111,imath:131,infin:221e,inodot:131,int:222b,Iogon:12e,iogon:12f,Iota:399,iota:3b9,' +
  'iquest:bf,isin:2208,Iuml:cf,iuml:ef,Kappa:39a,kappa:3ba,Lacute:139,lacute:13a,Lambda:39b,' +
  'lambda:3bb,lang:27e8,langle:27e8,laquo:ab,lArr:21d0,larr:2190,larrb:21e4,lbrace:7b,lbrack:5b,' +
  'Lcaron:13d,lcaron:13e,lceil:2308,lcub:7b,ldquo:201c,le:2264,LeftArrow:2190,Leftarrow:21d0,' +
  'leftarrow:2190,Leftrightarrow:21d4,leftrightarrow:2194,leq:2264,lfloor:230a,lowast:2217,' +
  'lowbar:5f,loz:25ca,lozenge:25ca,lpar:28,lrm:200e,lsaquo:2039,lsqb:5b,lsquo:2018,Lstrok:141,' +
  'lstrok:142,LT:3c,lt:3c,ltcc:2aa6,ltcir:2a79,ltdot:22d6,lthree:22cb,ltimes:22c9,ltlarr:2976,' +
  'ltquest:2a7b,ltri:25c3,ltrie:22b4,ltrif:25c2,ltrPar:2996,macr:af,male:2642,mapsto:21a6,' +
  'mdash:2014,micro:b5,midast:2a,middot:b7,minus:2212,mldr:2026,Mu:39c,mu:3bc,nabla:2207,' +
  'Nacute:143,nacute:144,natural:266e,nbsp:a0,Ncaron:147,ncaron:148,ndash:2013,ne:2260,nearr:2197,' +
  'NewLine:a,ni:220b,NonBreakingSpace:a0,not:ac,notin:2209,notindot:22f5+338,notinE:22f9+338,' +
  'notinva:2209,notinvb:22f7,notinvc:22f6,notni:220c,notniva:220c,notnivb:22fe,notnivc:22fd,' +
  'nsub:2284,Ntilde:d1,ntilde:f1,Nu:39d,nu:3bd,num:23,numsp:2007,nwarr:2196,Oacute:d3,oacute:f3,' +
  'Ocirc:d4,ocirc:f4,Odblac:150,odblac:151,OElig:152,oelig:153,Ograve:d2,ograve:f2,ohm:3a9,' +
  'oline:203e,Omacr:14c,omacr:14d,Omega:3a9,omega:3c9,Omicron:39f,omicron:3bf,oplus:2295,or:2228,' +
  'ordf:aa,ordm:ba,Oslash:d8,oslash:f8,Otilde:d5,otilde:f5,otimes:2297,Ouml:d6,ouml:f6,para:b6,' +
  'parallel:2225,part:2202,percnt:25,period:2e,permil:2030,perp:22a5,pertenk:2031,Phi:3a6,phi:3c6,' +
  'phiv:3d5,phone:260e,Pi:3a0,pi:3c0,piv:3d6,plus:2b,PlusMinus:b1,plusmn:b1,pm:b1,pound:a3,' +
  'Prime:2033,prime:2032,prod:220f,prop:221d,Psi:3a8,psi:3c8,puncsp:2008,quest:3f,QUOT:22,quot:22,' +
  'Racute:154,racute:155,radic:221a,rang:27e9,rangle:27e9,raquo:bb,rArr:21d2,rarr:2192,rarrb:21e5,' +
  'rbrace:7d,rbrack:5d,Rcaron:158,rcaron:159,rceil:2309,rcub:7d,rdquo:201d,rdquor:201d,real:211c,' +
  'REG:ae,reg:ae,rfloor:230b,Rho:3a1,rho:3c1,RightArrow:2192,Rightarrow:21d2,rightarrow:2192,' +
  'rlm:200f,rpar:29,rsaquo:203a,rsqb:5d,rsquo:2019,rsquor:2019,Sacute:15a,sacute:15b,sbquo:201a,' +
  'Scaron:160,scaron:161,Scedil:15e,scedil:15f,sdot:22c5,searr:2198,sect:a7,semi:3b,sharp:266f,' +
  'shy:ad,Sigma:3a3,sigma:3c3,sigmaf:3c2,sim:223c,sol:2f,spades:2660,spadesuit:2660,Sqrt:221a,' +
  'star:2606,starf:2605,sub:2282,sube:2286,sum:2211,sup:2283,sup1:b9,sup2:b2,sup3:b3,supe:2287,' +
  'swarr:2199,szlig:df,Tab:9,Tau:3a4,tau:3c4,Tcaron:164,tcaron:165,Tcedil:162,tcedil:163,' +
  'there4:2234,Theta:398,theta:3b8,thetasym:3d1,thinsp:2009,THORN:de,thorn:fe,tilde:2dc,times:d7,' +
  'timesb:22a0,timesbar:2a31,timesd:2a30,TRADE:2122,trade:2122,Uacute:da,uacute:fa,uArr:21d1,' +
  'uarr:2191,Ucirc:db,ucirc:fb,Udblac:170,udblac:171,Ugrave:d9,ugrave:f9,Umacr:16a,umacr:16b,' +
  'uml:a8,UnderBar:5f,Uogon:172,uogon:173,uparrow:2191,upsih:3d2,Upsilon:3a5,upsilon:3c5,Uring:16e,' +
  'uring:16f,Uuml:dc,uuml:fc,varepsilon:3f5,varphi:3d5,verbar:7c,vert:7c,VerticalLine:7c,' +
  'weierp:2118,Xi:39e,xi:3be,Yacute:dd,yacute:fd,yen:a5,Yuml:178,yuml:ff,Zacute:179,zacute:17a,' +
  'Zcaron:17d,zcaron:17e,Zdot:17b,zdot:17c,Zeta:396,zeta:3b6,zwj:200d,zwnj:200c,';

const LEGACY_DATA =
  'AElig AMP Aacute Acirc Agrave Aring Atilde Auml COPY Ccedil ETH Eacute Ecirc Egrave Euml GT ' +
  'Iacute Icirc Igrave Iuml LT Ntilde Oacute Ocirc Ograve Oslash Otilde Ouml QUOT REG THORN Uacute ' +
  'Ucirc Ugrave Uuml Yacute aacute acirc acute aelig agrave amp aring atilde auml brvbar ccedil ' +
  'cedil cent copy curren deg divide eacute ecirc egrave eth euml frac12 frac14 frac34 gt iacute ' +
  'icirc iexcl igrave iquest iuml laquo lt macr micro middot nbsp not ntilde oacute ocirc ograve ' +
  'ordf ordm oslash otilde ouml para plusmn pound quot raquo reg sect shy sup1 sup2 sup3 szlig ' +
  'thorn times uacute ucirc ugrave uml uuml yacute yen yuml ';

let named: Map<string, string> | undefined;
let legacy: Set<string> | undefined;

function tables(): { named: Map<string, string>; legacy: Set<string> } {
  if (!named || !legacy) {
    named = new Map();
    for (const entry of NAMED_DATA.split(',')) {
      if (!entry) continue;
      const colon = entry.indexOf(':');
      const cps = entry.slice(colon + 1).split('+').map((h) => parseInt(h, 16));
      named.set(entry.slice(0, colon), String.fromCodePoint(...cps));
    }
    legacy = new Set(LEGACY_DATA.split(' ').filter((s) => s.length > 0));
  }
  return { named, legacy };
}

/**
 * The text of the named character reference `&name;` (give the name without `&` and `;`), or
 * `undefined` when the name is not in the table. Names are case-sensitive.
 *
 * @example
 * namedCharacterReference('eacute'); // 'é'
 * namedCharacterReference('EACUTE'); // undefined
 */
export function namedCharacterReference(name: string): string | undefined {
  return tables().named.get(name);
}

/** Code points that Python's `html.unescape` turns into the empty string. */
function isInvalidCodePoint(cp: number): boolean {
  return (
    (cp >= 0x1 && cp <= 0x8) ||
    cp === 0xb ||
    (cp >= 0xe && cp <= 0x1f) ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp & 0xfffe) === 0xfffe
  );
}

/**
 * Decodes one numeric reference body (`#65`, `#x41`, with or without `;`) as HTML5 / Python do:
 * 0 and C1 values map through Windows-1252, surrogates and values above U+10FFFF become U+FFFD,
 * non-characters and most controls vanish.
 */
function decodeNumeric(body: string): string {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body.slice(hex ? 2 : 1).replace(/;$/, '');
  const num = parseInt(digits, hex ? 16 : 10); // may exceed 2^53 or be Infinity: only compared
  if (num === 0) return '\ufffd';
  if (num === 0x0d) return '\r';
  if (num >= 0x80 && num <= 0x9f) return WINDOWS_1252_C1[num - 0x80];
  if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(num)) return '';
  return String.fromCodePoint(num);
}

const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function replaceCharref(match: string, body: string): string {
  if (body[0] === '#') return decodeNumeric(body);
  const { named: table, legacy: bare } = tables();
  if (body.endsWith(';')) {
    const hit = table.get(body.slice(0, -1));
    if (hit !== undefined) return hit;
  } else if (bare.has(body)) {
    return table.get(body) as string;
  }
  // Longest legacy name that prefixes the body ("&notit;" -> "¬it;"), as the HTML5 spec says.
  for (let x = body.length - 1; x > 1; x--) {
    const prefix = body.slice(0, x);
    if (bare.has(prefix)) return (table.get(prefix) as string) + body.slice(x);
  }
  return match;
}

/**
 * Replaces HTML character references in `text` like Python's `html.unescape`: named references
 * (`&amp;`, `&eacute;`, legacy ones without `;` such as `&amp` or `&copy2024`), decimal `&#39;`
 * and hexadecimal `&#x27;` references, with the HTML5 rules for invalid numbers.
 *
 * @example
 * unescapeHtml('Tom &amp; Jerry &#39;95 &mdash; &#x263A;'); // "Tom & Jerry '95 — ☺"
 * unescapeHtml('&amp;lt;'); // '&lt;' (one level per call; CLIP calls it twice)
 */
export function unescapeHtml(text: string): string {
  if (typeof text !== 'string') throw new TypeError(`unescapeHtml: text must be a string, got ${typeof text}`);
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, replaceCharref);
}
