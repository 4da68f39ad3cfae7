import { input, param } from '@losskit/core';

/** Leaves and data the rewrite tests build their expressions over (value checks use `env`). */
export const x = input('x');
export const y = input('y');
/** per-pixel, so broadcasting shows */
export const w = input('w', ['batch', 'spatial']);
export const s = param('s', { default: 0.7 });
export const t = param('t', { default: -1.3 });
const shape = [2, 3, 2, 2];
export const data = (seed: number, n: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.3 + i * 1.7) * 2);
export const env = {
  inputs: {
    x: { shape, data: data(1, 24) },
    y: { shape, data: data(2, 24) },
    w: { shape: [2, 2, 2], data: data(3, 8) },
  },
};
