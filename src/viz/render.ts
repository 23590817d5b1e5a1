// Charts: vega-lite specs rendered headless to SVG (vega 5, CommonJS, so tslab can require it)
// and to PNG with resvg. Specs are plain JSON objects built by the other modules of src/viz/.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** A vega-lite top-level spec as plain JSON (kept loose: vega-lite's own types pull in DOM types). */
export type VegaLiteSpec = Record<string, unknown>;

/** Compile a vega-lite spec and render it to an SVG string. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Render to PNG bytes (resvg; system fonts, white background). */
export async function renderPng(spec: VegaLiteSpec, scale = 1.5): Promise<Uint8Array> {
  const svg = await renderSvg(spec);
  const resvg = new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, background: 'white', font: { loadSystemFonts: true } });
  return resvg.render().asPng();
}
