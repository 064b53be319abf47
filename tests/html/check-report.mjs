// Browser test of the HTML report: node tests/html/check-report.mjs <khe binary> <out dir>
//
// For each case it writes <out>/<case>.html with the khe binary, opens it in Debian's
// headless Chromium (playwright-core, no browser download) with a fresh profile and checks:
//   - no console error, no page error, no network request other than the file itself;
//   - the course chart (KheChart.instances) shows every series that has data with the
//     report's point count, every threshold line, every target band, the medication bars
//     (one per dose step) and the transfusion markers; panels without data have a note;
//   - every canvas has drawn pixels;
//   - the page prints on A4 in at most MAX_PDF_PAGES pages.
// It saves <out>/<case>.png (full page), <out>/<case>-chart.png (the chart) and
// <out>/<case>.pdf (A4), and ends with the plain line
// "html-report: N passed, M failed" (exit status 1 when M > 0).
//
// Cases: every example of ../shared/examples/expected.json at its as-of time (ex01 and
// ex06 at least), the long synthetic course when <dir of khe>/tools/synth_course exists,
// the chart module alone on tests/html/fixtures/sample-report.json (every feature), and
// the HTML of `khe cohort` on a generated trial export (<dir of khe>/tools/khe_gen_cohort):
// one Kaplan-Meier plot per time-to-event endpoint with a curve per group whose events
// match the cohort JSON, and a 50% line.
import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {chromium} from 'playwright-core';

const MAX_PDF_PAGES = 4;
const CHROMIUM = process.env.KHE_CHROMIUM || '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const examplesDir = process.env.KHE_EXAMPLES || path.resolve(root, '..', 'shared', 'examples');

function usage() {
  console.error('usage: node tests/html/check-report.mjs <khe binary> <out dir>');
  process.exit(2);
}

const [kheArg, outArg] = process.argv.slice(2);
if (!kheArg || !outArg) usage();
const khe = path.resolve(kheArg);
const outDir = path.resolve(outArg);
fs.mkdirSync(outDir, {recursive: true});

function run(args) {
  return execFileSync(khe, args, {maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe']})
      .toString('utf8');
}

// ---- the cases ---------------------------------------------------------------------

function exampleCases() {
  const listPath = path.join(examplesDir, 'expected.json');
  if (!fs.existsSync(listPath)) {
    console.log(`note: ${listPath} not found; example cases skipped`);
    return [];
  }
  const list = JSON.parse(fs.readFileSync(listPath, 'utf8'));
  const cases = [];
  for (const ex of list) {
    const args = [path.join(examplesDir, ex.file), '--as-of', ex.as_of];
    if (ex.profile) args.push('--profile', ex.profile);
    cases.push({name: ex.id, kind: 'report', args});
  }
  // ex06 (treatment course) and ex01 (severe KMP) first: they carry most of the chart.
  const rank = (c) => (c.name.startsWith('ex06') ? 0 : c.name.startsWith('ex01') ? 1 : 2);
  return cases.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

function synthCase() {
  const tool = path.join(path.dirname(khe), 'tools', 'synth_course');
  if (!fs.existsSync(tool)) {
    console.log(`note: ${tool} not built; long synthetic course case skipped`);
    return [];
  }
  const input = path.join(outDir, 'synth-course.fhir.json');
  let asOf = null;
  try {
    fs.writeFileSync(input, execFileSync(tool, [], {maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'ignore']}));
    asOf = execFileSync(tool, ['--print-as-of']).toString('utf8').trim() || null;
  } catch (e) {
    console.log(`note: ${tool} failed (${e.message.split('\n')[0]}); synthetic case skipped`);
    return [];
  }
  const args = [input];
  if (asOf) args.push('--as-of', asOf);
  return [{name: 'synth-course', kind: 'report', args}];
}

function cohortCase() {
  const tool = path.join(path.dirname(khe), 'tools', 'khe_gen_cohort');
  if (!fs.existsSync(tool)) {
    console.log(`note: ${tool} not built; cohort case skipped`);
    return [];
  }
  const dir = path.join(outDir, 'cohort-export');
  const asOf = execFileSync(tool, ['--out', dir, '--arm', 'sirolimus:24:14',
                                   '--arm', 'sirolimus-prednisolone:24:21', '--quiet'])
                   .toString('utf8').trim();
  const args = [dir, '--as-of', asOf, '--reference', 'sirolimus',
                '--endpoint', 'durable_platelet_response_week4',
                '--endpoint', 'time_to_platelet_response'];
  return [{name: 'cohort-trial', kind: 'cohort', args}];
}

// Runs in the page: the Kaplan-Meier plots of a cohort report.
function inspectKm() {
  const charts = ((window.KheChart && window.KheChart.instances) || [])
                     .filter((c) => c.khePanel === 'km');
  return {
    states: [...document.querySelectorAll('.khe-chart.km')].map((e) => e.dataset.state),
    charts: charts.map((c) => {
      const canvas = c.canvas;
      const img = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let inked = 0;
      for (let i = 0; i < img.length; i += 4 * 7) {
        if (img[i + 3] > 0 && (img[i] < 235 || img[i + 1] < 235 || img[i + 2] < 235)) inked++;
      }
      return {inked, datasets: c.data.datasets.map((d) => ({khe: d.khe || null,
                                                             count: d.data.length}))};
    }),
  };
}

function checkKm(result, seen, problems) {
  const timed = result.endpoints.filter((e) => e.endpoint === 'time_to_platelet_response');
  if (seen.states.length !== timed.length || seen.states.some((s) => s !== 'done')) {
    problems.push(`Kaplan-Meier containers: ${JSON.stringify(seen.states)}, expected ` +
                  `${timed.length} done`);
  }
  if (seen.charts.length !== timed.length) {
    problems.push(`${seen.charts.length} Kaplan-Meier plots, expected ${timed.length}`);
    return;
  }
  timed.forEach((e, i) => {
    const chart = seen.charts[i];
    if (chart.inked < 200) problems.push(`Kaplan-Meier plot ${i} looks blank`);
    const curves = chart.datasets.filter((d) => d.khe && d.khe.kind === 'km');
    const groups = e.groups.filter((g) => g.n > 0);
    if (curves.length !== groups.length) {
      problems.push(`${curves.length} curves drawn, the cohort has ${groups.length} groups`);
    }
    for (const g of groups) {
      const c = curves.find((d) => d.khe.group === g.group);
      if (!c) {
        problems.push(`no curve for group ${g.group}`);
      } else if (c.khe.events !== g.events || c.khe.n !== g.n) {
        problems.push(`group ${g.group}: curve has ${c.khe.events}/${c.khe.n}, JSON ` +
                      `${g.events}/${g.n}`);
      }
    }
    if (!chart.datasets.some((d) => d.khe && d.khe.kind === 'km-median-line')) {
      problems.push('no 50% line on the Kaplan-Meier plot');
    }
  });
}

function fixtureCase() {
  const lib = path.join(root, 'web', 'chart', 'node_modules', 'chart.js', 'dist',
                        'chart.umd.min.js');
  const mod = path.join(root, 'web', 'chart', 'khe-chart.js');
  const fixture = path.join(here, 'fixtures', 'sample-report.json');
  const empty = path.join(outDir, 'empty-report.json');
  fs.writeFileSync(empty, JSON.stringify({
    therapy: [], timeline: {series: [], thresholds: [], target_bands: [], events: []},
    response: null, provenance: {as_of: '2026-06-08T12:00:00Z'}}));
  return [{name: 'chart-module-fixture', kind: 'fixture', lib, mod, fixture},
          {name: 'chart-module-empty', kind: 'fixture', lib, mod, fixture: empty}];
}

// A page that holds only the chart module, built the same way as the report's chart
// section (inline scripts; <, > and & in the JSON written as \u003c... so that nothing in
// it can end the script element).
function fixturePage(c) {
  const json = fs.readFileSync(c.fixture, 'utf8').replace(/[<>&]/g, (ch) =>
    '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
  return '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
         '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; ' +
         'script-src \'unsafe-inline\'; style-src \'unsafe-inline\'">' +
         '<title>khe-chart fixture</title></head><body>' +
         '<div id="khe-course-chart"></div>' +
         `<script type="application/json" id="khe-report-data">${json}</script>` +
         `<script>${fs.readFileSync(c.lib, 'utf8')}</script>` +
         `<script>${fs.readFileSync(c.mod, 'utf8')}</script>` +
         '<script>(function(){var el=document.getElementById("khe-course-chart");' +
         'KheChart.render(el, JSON.parse(document.getElementById("khe-report-data")' +
         '.textContent));el.setAttribute("data-state","done");})();</script>' +
         '</body></html>\n';
}

// ---- what the chart must show, from the report -------------------------------------

const PANEL_OF = {
  platelets: 'platelets', fibrinogen: 'fibrinogen', hemoglobin: 'hemoglobin',
  ddimer_feu: 'ddimer', ddimer_ddu: 'ddimer', d_dimer_feu: 'ddimer', d_dimer_ddu: 'ddimer',
  sirolimus_level: 'sirolimus_level',
};

function expectations(report, problems) {
  const tl = report.timeline;
  if (!tl || typeof tl !== 'object') {
    problems.push('report JSON has no "timeline" key');
    return null;
  }
  if (!Array.isArray(report.therapy)) problems.push('report JSON has no "therapy" array');
  const series = (tl.series || []).filter((s) => (s.points || []).length > 0);
  return {
    series: series.map((s) => ({analyte: s.analyte, count: s.points.length,
                                confounded: s.points.filter((p) => p.confounded).length,
                                comparators: s.points.filter((p) => p.comparator).length})),
    thresholds: (tl.thresholds || []).map((t) => ({analyte: t.analyte, value: t.value})),
    bands: (tl.target_bands || []).length,
    hasSirolimusPanel: series.some((s) => s.analyte === 'sirolimus_level') ||
                       (tl.target_bands || []).length > 0,
    events: (tl.events || []).map((e) => e.code),
    drugs: [...new Set((report.therapy || []).map((ep) => ep.drug))],
    bars: (report.therapy || []).reduce((n, ep) => n + Math.max((ep.doses || []).length, 1), 0),
    curve: (((report.sirolimus_trough || {}).model_based || {}).estimate || {}).curve || [],
  };
}

// Runs in the page: what the charts show.
function inspectPage() {
  const charts = (window.KheChart && window.KheChart.instances) || [];
  const out = {state: (document.getElementById('khe-course-chart') || {}).dataset?.state || null,
               notes: [...document.querySelectorAll('.khe-chart-note')].map((n) => n.textContent),
               charts: []};
  for (const c of charts) {
    const canvas = c.canvas;
    const ctx = canvas.getContext('2d');
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 0; i < img.length; i += 4 * 7) {
      if (img[i + 3] > 0 && (img[i] < 235 || img[i + 1] < 235 || img[i + 2] < 235)) inked++;
    }
    out.charts.push({
      panel: c.khePanel,
      width: canvas.clientWidth,
      inked,
      datasets: c.data.datasets.map((d) => ({
        label: d.label, khe: d.khe || null, count: d.data.length,
        ys: d.data.map((p) => (typeof p.y === 'number' ? p.y : null)),
      })),
    });
  }
  return out;
}

function checkChart(exp, seen, problems) {
  if (seen.state !== 'done') problems.push(`chart state is ${seen.state}, not done`);
  const all = seen.charts.flatMap((c) => c.datasets.map((d) => ({...d, panel: c.panel})));
  for (const c of seen.charts) {
    if (c.inked < 200) problems.push(`panel ${c.panel} looks blank (${c.inked} inked samples)`);
  }
  for (const s of exp.series) {
    const ds = all.filter((d) => d.khe && d.khe.analyte === s.analyte &&
                                 (d.khe.kind === 'series' || d.khe.kind === 'series-confounded'));
    const n = ds.reduce((k, d) => k + d.count, 0);
    if (n !== s.count) problems.push(`series ${s.analyte}: ${n} points drawn, report has ${s.count}`);
    const conf = ds.filter((d) => d.khe.kind === 'series-confounded')
                   .reduce((k, d) => k + d.count, 0);
    if (conf !== s.confounded) {
      problems.push(`series ${s.analyte}: ${conf} confounded points drawn, report has ${s.confounded}`);
    }
  }
  const charted = new Set(exp.series.map((s) => s.analyte));
  for (const t of exp.thresholds) {
    if (!charted.has(t.analyte)) continue;  // its panel is replaced by a note
    const hit = all.some((d) => d.khe && d.khe.kind === 'threshold' && d.khe.analyte === t.analyte &&
                                d.khe.value === t.value && d.ys.every((y) => y === t.value));
    if (!hit) problems.push(`threshold ${t.analyte} ${t.value} not drawn`);
  }
  // The sirolimus model's curve: every past point drawn as reported, and the projection
  // (which repeats the last past point to join the two lines).
  const past = exp.curve.filter((p) => !p.projected);
  const ahead = exp.curve.filter((p) => p.projected);
  const drawnPast = all.filter((d) => d.khe && d.khe.kind === 'model-curve');
  const drawnAhead = all.filter((d) => d.khe && d.khe.kind === 'model-projection');
  const pastCount = drawnPast.reduce((n, d) => n + d.count, 0);
  const aheadCount = drawnAhead.reduce((n, d) => n + d.count, 0);
  if (pastCount !== past.length) {
    problems.push(`model curve: ${pastCount} points drawn, report has ${past.length}`);
  }
  if (aheadCount !== (ahead.length ? ahead.length + (past.length ? 1 : 0) : 0)) {
    problems.push(`model projection: ${aheadCount} points drawn, report has ${ahead.length}`);
  }
  if (drawnPast.length && drawnPast[0].panel !== 'sirolimus_level') {
    problems.push(`model curve drawn on panel ${drawnPast[0].panel}`);
  }
  if (past.length && drawnPast.length &&
      Math.abs(drawnPast[0].ys[0] - past[0].ng_per_mL) > 1e-9) {
    problems.push('model curve: first value differs from the report');
  }
  if (exp.hasSirolimusPanel) {
    const hi = all.filter((d) => d.khe && d.khe.kind === 'band-high').length;
    const lo = all.filter((d) => d.khe && d.khe.kind === 'band-low').length;
    if (hi !== exp.bands || lo !== exp.bands) {
      problems.push(`target bands: ${hi}/${lo} drawn, report has ${exp.bands}`);
    }
  }
  const bars = all.filter((d) => d.khe && d.khe.kind === 'therapy');
  const barCount = bars.reduce((k, d) => k + d.count, 0);
  if (barCount !== exp.bars) problems.push(`medication bars: ${barCount} drawn, report has ${exp.bars}`);
  for (const drug of exp.drugs) {
    if (!bars.some((d) => d.khe.drug === drug)) problems.push(`no medication bar for ${drug}`);
  }
  const gantEvents = all.filter((d) => d.panel === 'therapy' && d.khe && d.khe.kind === 'event')
                        .reduce((k, d) => k + d.count, 0);
  if (gantEvents !== exp.events.length) {
    problems.push(`events: ${gantEvents} markers drawn, report has ${exp.events.length}`);
  }
  const plateletTx = exp.events.filter((c) => c === 'platelet-transfusion').length;
  if (plateletTx > 0 && charted.has('platelets')) {
    const n = all.filter((d) => d.panel === 'platelets' && d.khe && d.khe.kind === 'event')
                 .reduce((k, d) => k + d.count, 0);
    if (n !== plateletTx) problems.push(`platelet panel: ${n} transfusion markers, report has ${plateletTx}`);
  }
  if (seen.charts.length === 0 && seen.notes.some((n) => n.startsWith('No course data'))) {
    return;
  }
  const needNote = {platelets: 'platelet', fibrinogen: 'fibrinogen', hemoglobin: 'hemoglobin',
                    ddimer: 'D-dimer'};
  const panels = new Set(exp.series.map((s) => PANEL_OF[s.analyte] || s.analyte));
  for (const [panel, word] of Object.entries(needNote)) {
    if (!panels.has(panel) && !seen.notes.some((n) => n.includes(word))) {
      problems.push(`panel ${panel} has no data but no note says so`);
    }
  }
  if (seen.charts.length > 0) {
    const widths = new Set(seen.charts.map((c) => c.width));
    if (widths.size !== 1) problems.push(`panels differ in width: ${[...widths].join(', ')}`);
  }
}

function pdfPages(buffer) {
  return (buffer.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g) || []).length;
}

// ---- main --------------------------------------------------------------------------

async function main() {
  const cases = [...exampleCases(), ...synthCase(), ...fixtureCase(), ...cohortCase()];
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khe-html-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1000, height: 1200},
    offline: true,
  });
  let passed = 0, failed = 0;
  try {
    for (const c of cases) {
      const problems = [];
      const htmlPath = path.join(outDir, `${c.name}.html`);
      let report = null;
      try {
        if (c.kind === 'cohort') {
          fs.writeFileSync(htmlPath, run(['cohort', ...c.args, '--format', 'html']));
          report = JSON.parse(run(['cohort', ...c.args, '--format', 'json']));
          if (run(['cohort', ...c.args, '--format', 'html']) !== fs.readFileSync(htmlPath, 'utf8')) {
            problems.push('HTML is not reproducible');
          }
        } else if (c.kind === 'report') {
          fs.writeFileSync(htmlPath, run(['evaluate', ...c.args, '--format', 'html']));
          report = JSON.parse(run(['evaluate', ...c.args, '--format', 'json']));
          const again = run(['evaluate', ...c.args, '--format', 'html']);
          if (again !== fs.readFileSync(htmlPath, 'utf8')) problems.push('HTML is not reproducible');
        } else {
          fs.writeFileSync(htmlPath, fixturePage(c));
          report = JSON.parse(fs.readFileSync(c.fixture, 'utf8'));
        }
      } catch (e) {
        problems.push(`khe failed: ${e.message.split('\n')[0]}`);
      }
      if (problems.length === 0) {
        const url = pathToFileURL(htmlPath).href;
        const page = await context.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') {
            problems.push(`console ${m.type()}: ${m.text()}`);
          }
        });
        page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
        page.on('request', (r) => {
          if (r.url() !== url) problems.push(`network request: ${r.url()}`);
        });
        try {
          await page.goto(url, {waitUntil: 'load'});
          if (c.kind === 'cohort') {
            const km = await page.evaluate(inspectKm);
            checkKm(report, km, problems);
            await page.screenshot({path: path.join(outDir, `${c.name}.png`), fullPage: true});
            await page.emulateMedia({media: 'print'});
            const pdf = await page.pdf({format: 'A4', printBackground: true});
            fs.writeFileSync(path.join(outDir, `${c.name}.pdf`), pdf);
            console.log(`  ${c.name}: ${km.charts.length} Kaplan-Meier plot(s); ` +
                        `A4 pages ${pdfPages(pdf)}`);
          } else {
            const seen = await page.evaluate(inspectPage);
            const exp = expectations(report, problems);
            if (exp) checkChart(exp, seen, problems);
            if (c.kind === 'report') {
              const embedded = await page.evaluate(
                  () => JSON.parse(document.getElementById('khe-report-data').textContent));
              if (JSON.stringify(embedded) !== JSON.stringify(report)) {
                problems.push('the embedded report differs from --format json');
              }
            }
            await page.screenshot({path: path.join(outDir, `${c.name}.png`), fullPage: true});
            await page.locator('#khe-course-chart')
                .screenshot({path: path.join(outDir, `${c.name}-chart.png`)});
            await page.emulateMedia({media: 'print'});
            const pdf = await page.pdf({format: 'A4', printBackground: true});
            fs.writeFileSync(path.join(outDir, `${c.name}.pdf`), pdf);
            const pages = pdfPages(pdf);
            if (c.kind === 'report' && pages > MAX_PDF_PAGES) {
              problems.push(`prints on ${pages} A4 pages (at most ${MAX_PDF_PAGES})`);
            }
            const letter = await page.pdf({format: 'Letter', printBackground: true});
            if (c.kind === 'report' && pdfPages(letter) > MAX_PDF_PAGES) {
              problems.push(`prints on ${pdfPages(letter)} Letter pages (at most ${MAX_PDF_PAGES})`);
            }
            const summary = seen.charts.map((ch) => ch.panel).join(', ') || 'no chart';
            console.log(`  ${c.name}: panels ${summary}; notes ${seen.notes.length}; ` +
                        `A4 pages ${pages}`);
          }
        } catch (e) {
          problems.push(`browser: ${e.message.split('\n')[0]}`);
        } finally {
          await page.close();
        }
      }
      if (problems.length === 0) {
        passed++;
        console.log(`PASS ${c.name}`);
      } else {
        failed++;
        console.log(`FAIL ${c.name}`);
        for (const p of problems) console.log(`    ${p}`);
      }
    }
  } finally {
    await context.close();
    fs.rmSync(userDataDir, {recursive: true, force: true});
  }
  console.log(`artifacts: ${outDir}`);
  console.log(`html-report: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log('html-report: 0 passed, 1 failed');
  process.exit(1);
});
