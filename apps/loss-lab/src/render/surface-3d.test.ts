import { describe, expect, it } from 'vitest';
import { type SurfaceData, surfaceScene, surfacesSvg } from './surface-3d.js';

const plane: SurfaceData = {
  title: 'z = L1',
  n: 3,
  // z = x on a 3 x 3 grid over [0, 1]^2, one undefined cell corner
  z: [0, 0.5, 1, 0, 0.5, 1, null, 0.5, 1],
  x: [0, 1],
  y: [0, 1],
  zmin: -0.25,
  zmax: 1.25,
  labels: { x: 'L1', y: 'L2', z: 'E' },
};

describe('3D surface scene', () => {
  it('has three axes, each with a title and ticks at nice values inside its range', () => {
    const scene = surfaceScene(plane, 300, 260, 0.8, 0.55);
    for (const [axis, title] of [['x', 'L1'], ['y', 'L2'], ['z', 'E']] as const) {
      expect(scene.lines.filter((l) => l.kind === `${axis}-axis`)).toHaveLength(1);
      expect(scene.texts.filter((t) => t.kind === `${axis}-axis-title`).map((t) => t.text)).toEqual([title]);
    }
    expect(scene.texts.filter((t) => t.kind === 'x-axis-tick-label').map((t) => t.text)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    // the z ticks cover the shared range [-0.25, 1.25], not the surface's own [0, 1]
    expect(scene.texts.filter((t) => t.kind === 'z-axis-tick-label').map((t) => t.text)).toEqual(['0.0', '0.5', '1.0']);
  });

  it('leaves out the quads that touch an undefined value and stays inside its box', () => {
    const scene = surfaceScene(plane, 300, 260, 0.8, 0.55);
    expect(scene.polys).toHaveLength(3);
    for (const p of scene.polys)
      for (const [x, y] of p.pts) {
        expect(x).toBeGreaterThan(0);
        expect(x).toBeLessThan(300);
        expect(y).toBeGreaterThan(0);
        expect(y).toBeLessThan(260);
      }
  });

  it('colours by the shared range: the same value gets the same colour in any panel', () => {
    const other = { ...plane, z: plane.z.map((v) => (v === null ? null : 1)) };
    const a = surfaceScene(plane, 300, 260, 0.8, 0.55).polys.at(-1)!.fill;
    const flat = surfaceScene(other, 300, 260, 0.8, 0.55).polys.map((p) => p.fill);
    expect(new Set(flat).size).toBe(1);
    expect(a).not.toBe(flat[0]); // the last-drawn quad of the plane averages 0.75, not 1
  });

  it('exports a standalone SVG with every panel and one colour bar', () => {
    const svg = surfacesSvg([plane, plane], { columns: 2, width: 300, height: 260, title: 'two planes' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/class="surface-panel"/g)).toHaveLength(2);
    expect(svg.match(/<linearGradient/g)).toHaveLength(1);
    expect(svg).toContain('>1.25<');
    expect(svg).toContain('>-0.250<');
  });
});
