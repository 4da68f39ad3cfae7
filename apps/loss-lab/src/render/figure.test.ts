import { describe, expect, it } from 'vitest';
import { renderSvg, svgToPng, toCsv, vegaLite } from './figure.js';

describe('figure pipeline', () => {
  it('renders a Vega-Lite spec to SVG in Node and the SVG to a PNG', async () => {
    const svg = await renderSvg({
      name: 'line',
      title: 'line',
      caption: '',
      rows: [],
      spec: vegaLite({
        data: { values: [{ a: 0, b: 1 }, { a: 1, b: 3 }] },
        mark: 'line',
        encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
      }),
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<path');
    const png = svgToPng(svg, 1);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // width and height of the IHDR chunk match the SVG's size
    const width = png.readUInt32BE(16);
    expect(svg).toContain(`width="${width}"`);
  });

  it('writes CSV with quoting and a header covering every key', () => {
    expect(toCsv([{ a: 1, b: 'x,y' }, { a: null, c: 'say "hi"' }])).toBe('a,b,c\n1,"x,y",\n,,"say ""hi"""\n');
  });
});
