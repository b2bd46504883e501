import * as tf from '@tensorflow/tfjs-core';
import { buildPromptSentences, type PromptRegistry, type PromptSet } from '@aaclip/prompts';
import type { Tokenizer } from '../tokenizer/tokenizer';
import type { AAClipModel } from './aaclip-model';
import type { ClassTokens } from './stage-losses';

export interface PromptOptions {
  /** A built-in or registered prompt-set name, or a prompt set. Default: the official AA-CLIP set. */
  promptSet?: string | PromptSet;
  /** Dataset whose class-name table resolves real names (e.g. 'mvtec'). */
  dataset?: string;
  registry?: PromptRegistry;
  /** Receives warnings such as an unknown class name (which then falls back to itself). */
  onWarning?: (w: { message: string }) => void;
}

/** The token ids of a class's normal and abnormal sentences. */
export function classTokens(tokenizer: Tokenizer, className: string, opts: PromptOptions = {}): ClassTokens & { sentences: { normal: string[]; abnormal: string[] } } {
  if (typeof className !== 'string' || className.trim() === '') throw new Error(`class name must be a non-empty string, got ${JSON.stringify(className)}`);
  const sentences = buildPromptSentences(className, {
    promptSet: opts.promptSet,
    dataset: opts.dataset,
    registry: opts.registry,
    onWarning: opts.onWarning,
  });
  return {
    normal: tokenizer.tokenize(sentences.normal, { truncate: true }),
    abnormal: tokenizer.tokenize(sentences.abnormal, { truncate: true }),
    sentences,
  };
}

/**
 * A cache of text anchors per (class, prompt set, adapted): computed once through the text
 * tower, recomputed only when the prompts change. Anchors are [E, 2] (normal, abnormal).
 *
 * @example
 * const cache = new AnchorCache(model, tokenizer);
 * const a = cache.get('bottle', { dataset: 'mvtec' }); // owned by the cache
 * cache.dispose();
 */
export class AnchorCache {
  private readonly cache = new Map<string, tf.Tensor2D>();

  constructor(
    readonly model: AAClipModel,
    readonly tokenizer: Tokenizer,
    readonly adapted = true,
  ) {}

  private key(className: string, opts: PromptOptions): string {
    const set = typeof opts.promptSet === 'object' ? JSON.stringify(opts.promptSet) : (opts.promptSet ?? 'default');
    return JSON.stringify([className, set, opts.dataset ?? '', this.adapted]);
  }

  get(className: string, opts: PromptOptions = {}): tf.Tensor2D {
    const k = this.key(className, opts);
    let a = this.cache.get(k);
    if (!a) {
      const t = classTokens(this.tokenizer, className, opts);
      a = tf.keep(this.model.anchorsFromTokens(t.normal, t.abnormal, { adapted: this.adapted }));
      this.cache.set(k, a);
    }
    return a;
  }

  get size(): number {
    return this.cache.size;
  }

  dispose(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}
