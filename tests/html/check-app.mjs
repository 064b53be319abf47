// Browser test of the web app of `khe serve`: node tests/html/check-app.mjs <khe> <out dir>
//
// Starts `<khe> serve --port 0 --db <tmp>/khe.db --insecure-no-auth` itself (the first line
// on stdout names the URL), then drives Debian's headless Chromium (playwright-core, no
// browser download) through what a clinician does:
//   1. the empty patient list; create a patient born about two months ago with the form;
//   2. on the patient page, add a KHE diagnosis (diagnosis form);
//   3. client-side validation of the lab form (not a number), and a server 422 shown next
//      to the field (a unit the server refuses, forced into the unit list);
//   4. keyboard only: Tab from the top of the page to the lab form's value field (focus
//      visible), type a platelet count of 15 x10^9/L and submit with Enter;
//   5. the assessment changes (KMP present, severe; urgency not routine) and so does the
//      chart (KheChart.instances: the platelet series holds the value 15);
//   6. weight and length give the doses with their volumes; a tablet-sized view;
//   7. the list shows the patient with its status and urgency badges;
//   8. a FHIR Bundle (shared/examples/ex01) imported from a file shows its course.
// No console error, page error, CSP violation or request to another origin is allowed.
// Screenshots (PNG) of every step land in <out dir>. The server is killed at the end, also
// on failure. Ends with the plain line "web-app: N passed, M failed" (exit 1 when M > 0).
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const CHROMIUM = process.env.KHE_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT_MS = 15000;
const here = path.dirname(fileURLToPath(import.meta.url));
const examplesDir = process.env.KHE_EXAMPLES || path.resolve(here, '..', '..', '..', 'shared', 'examples');

const [kheArg, outArg] = process.argv.slice(2);
if (!kheArg || !outArg) {
  console.error('usage: node tests/html/check-app.mjs <khe binary> <out dir>');
  process.exit(2);
}
const khe = path.resolve(kheArg);
const outDir = path.resolve(outArg);
fs.mkdirSync(outDir, {recursive: true});

let server = null;
function killServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    const s = server;
    setTimeout(() => { if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL'); }, 3000).unref();
  }
}
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { killServer(); process.exit(1); });

// Starts the server and resolves with its URL (the first stdout line).
function startServer(dbDir) {
  return new Promise((resolve, reject) => {
    server = spawn(khe, ['serve', '--port', '0', '--db', path.join(dbDir, 'khe.db'),
                         '--insecure-no-auth'], {stdio: ['ignore', 'pipe', 'pipe']});
    const log = fs.createWriteStream(path.join(outDir, 'server.log'));
    server.stderr.pipe(log);
    const timer = setTimeout(() => reject(new Error('khe serve printed no URL within 30 s')), 30000);
    const rl = readline.createInterface({input: server.stdout});
    rl.once('line', (line) => {
      clearTimeout(timer);
      const m = line.match(/^khe serve: listening on (http:\/\/127\.0\.0\.1:\d+)$/);
      if (!m) reject(new Error(`unexpected first line from khe serve: ${line}`));
      else resolve(m[1]);
    });
    server.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`khe serve exited early (code ${code}, signal ${signal})`));
    });
    server.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function isoDate(d) {
  return d.toISOString().slice(0, 10);
}

// What the chart shows for one panel: the 'series' dataset's y values.
async function chartSeries(page, panel) {
  return page.evaluate((panel) => {
    const charts = (window.KheChart && window.KheChart.instances) || [];
    const live = charts.filter((c) => c.canvas && c.canvas.isConnected);
    const chart = live.find((c) => c.khePanel === panel);
    if (!chart) return null;
    const ds = chart.data.datasets.filter((d) => d.khe && (d.khe.kind === 'series' || d.khe.kind === 'series-confounded'));
    return ds.flatMap((d) => d.data.map((p) => (typeof p === 'object' && p !== null ? p.y : p)));
  }, panel);
}

async function main() {
  const results = [];
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khe-app-'));
  const url = await startServer(dbDir);
  console.log(`server: ${url}`);
  const origin = new URL(url).origin;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'khe-app-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1280, height: 1000},
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const pageProblems = [];
  page.on('console', (m) => {
    // Chromium logs every 4xx answer; the one 422 provoked on purpose is expected.
    if (allowed422 > 0 && /status of 422/.test(m.text())) {
      --allowed422;
      return;
    }
    if (m.type() === 'error' || m.type() === 'warning') pageProblems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => pageProblems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:')) pageProblems.push(`request to another origin: ${u}`);
  });
  // The one 422 the test provokes on purpose is expected; any other 4xx/5xx is not.
  let expect422 = false;
  let allowed422 = 1;
  page.on('response', (r) => {
    const s = r.status();
    if (s >= 400 && !(s === 422 && expect422)) pageProblems.push(`HTTP ${s} for ${r.request().method()} ${r.url()}`);
  });

  async function step(name, fn) {
    try {
      await fn();
      results.push({name, ok: true});
      console.log(`PASS ${name}`);
    } catch (e) {
      results.push({name, ok: false});
      console.log(`FAIL ${name}\n    ${String(e && e.message || e).split('\n').slice(0, 6).join('\n    ')}`);
      await page.screenshot({path: path.join(outDir, `fail-${name}.png`), fullPage: true}).catch(() => {});
      throw e;
    }
  }
  const shot = (name) => page.screenshot({path: path.join(outDir, `${name}.png`), fullPage: true});

  const born = new Date();
  born.setUTCDate(born.getUTCDate() - 61);
  const patientId = 'browser-test-' + Date.now().toString(36);

  try {
    await step('list-empty', async () => {
      await page.goto(url + '/#/patients');
      await page.getByRole('heading', {level: 1, name: 'Patients'}).waitFor();
      await page.getByText('No patients yet').waitFor();
      await shot('01-list-empty');
    });

    await step('create-patient', async () => {
      await page.getByLabel('Patient id (optional)').fill(patientId);
      await page.getByLabel('Birth date').fill(isoDate(born));
      await page.getByLabel('Sex').selectOption('female');
      await page.getByRole('button', {name: 'Create patient'}).click();
      await page.waitForURL(`**/#/patients/${patientId}`);
      await page.locator('#kmp-status').waitFor();
      await page.locator('#khe-course-chart[data-state=done]').waitFor();
      const status = await page.locator('#kmp-status').getAttribute('data-status');
      if (status !== 'not_applicable') throw new Error(`new patient: status ${status}, expected not_applicable`);
      const prov = await page.locator('#provenance').innerText();
      for (const word of ['Engine', 'Knowledge', 'Profile', 'As of', 'default']) {
        if (!prov.includes(word)) throw new Error(`provenance lacks "${word}"`);
      }
      await shot('02-patient-created');
    });

    await step('add-diagnosis', async () => {
      const form = page.locator('#diagnosis-form');
      await form.getByLabel('Diagnosis').selectOption('khe');
      await form.getByLabel('Certainty').selectOption('confirmed');
      await form.getByRole('button', {name: 'Add diagnosis'}).click();
      await page.locator('#kmp-status[data-status=indeterminate]').waitFor();
      await form.locator('.form-message.ok').waitFor();
      await shot('03-diagnosis-added');
    });

    const before = await chartSeries(page, 'platelets');
    await step('chart-before', async () => {
      // No platelet yet: the panel has no point, or is replaced by its note.
      if (Array.isArray(before) && before.length !== 0) {
        throw new Error(`platelet panel before the count: ${JSON.stringify(before)}, expected no point`);
      }
      if (before === null) {
        const notes = await page.locator('#khe-course-chart .khe-chart-note').allInnerTexts();
        if (!notes.some((n) => /platelet|no course data/i.test(n))) throw new Error(`no platelet note: ${JSON.stringify(notes)}`);
      }
    });

    await step('client-validation', async () => {
      const form = page.locator('#lab-form');
      await form.getByLabel('Test').selectOption('platelets');
      const value = form.getByLabel('Value');
      await value.fill('abc');
      await value.press('Enter');
      const error = form.locator('.field-error:not([hidden])').first();
      await error.waitFor();
      const text = await error.innerText();
      if (!/number/i.test(text)) throw new Error(`validation message: "${text}"`);
      if ((await value.getAttribute('aria-invalid')) !== 'true') throw new Error('value not marked invalid');
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.name);
      if (focused !== 'value') throw new Error(`focus after a refused entry is on ${focused}`);
      await shot('04-client-validation');
    });

    await step('server-422-next-to-field', async () => {
      const form = page.locator('#lab-form');
      // A unit the reader refuses, forced into the list: the server must say why, at the field.
      await page.evaluate(() => {
        const s = document.querySelector('#lab-form select[name=unit]');
        const o = document.createElement('option');
        o.value = 'furlong/L';
        o.textContent = 'furlong/L';
        s.appendChild(o);
        s.value = 'furlong/L';
      });
      await form.getByLabel('Value').fill('15');
      expect422 = true;
      const answer = page.waitForResponse((r) => r.url().endsWith('/observations'));
      await form.getByRole('button', {name: 'Add value'}).click();
      const r = await answer;
      if (r.status() !== 422) throw new Error(`server answered ${r.status()}, expected 422`);
      const error = form.locator('.field-error:not([hidden])').first();
      await error.waitFor();
      await form.locator('.form-message.bad').waitFor();
      expect422 = false;
      await shot('05-server-422');
      const status = await page.locator('#kmp-status').getAttribute('data-status');
      if (status !== 'indeterminate') throw new Error(`the refused value changed the status: ${status}`);
      await page.evaluate(() => {
        const s = document.querySelector('#lab-form select[name=unit]');
        s.querySelector('option[value="furlong/L"]').remove();
        s.value = '10*9/L';
      });
    });

    await step('keyboard-entry', async () => {
      // From the top of the page, Tab until the lab form's value field has focus.
      await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
      await page.locator('body').focus();
      let reached = false;
      for (let i = 0; i < 200 && !reached; ++i) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => {
          const a = document.activeElement;
          return !!a && a.name === 'value' && !!a.closest('#lab-form');
        });
      }
      if (!reached) throw new Error('the lab form cannot be reached with Tab');
      const outline = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return {style: s.outlineStyle, width: s.outlineWidth};
      });
      if (outline.style === 'none' || outline.width === '0px') throw new Error(`no visible focus: ${JSON.stringify(outline)}`);
      await page.keyboard.press('Control+A');
      await page.keyboard.type('15');
      const unit = await page.locator('#lab-form select[name=unit]').inputValue();
      if (unit !== '10*9/L') throw new Error(`default unit ${unit}, expected 10*9/L`);
      await shot('06-keyboard-focus');
      const answer = page.waitForResponse((r) => r.url().endsWith('/observations'));
      await page.keyboard.press('Enter');
      const r = await answer;
      if (r.status() !== 201) throw new Error(`adding the count answered ${r.status()}`);
    });

    await step('status-urgency-chart-change', async () => {
      await page.locator('#kmp-status[data-status=present]').waitFor();
      await page.locator('#khe-course-chart[data-state=done]').waitFor();
      const statusText = await page.locator('#kmp-status').innerText();
      if (!/KMP present/.test(statusText) || !/severe/.test(statusText)) throw new Error(`status text: ${statusText}`);
      const urgency = await page.locator('#urgency').getAttribute('data-urgency');
      if (urgency === 'routine' || !urgency) throw new Error(`urgency ${urgency} after platelets of 15`);
      const reasons = await page.locator('#urgency-reasons li').count();
      if (reasons === 0) throw new Error('no urgency reason shown');
      const after = await chartSeries(page, 'platelets');
      if (!Array.isArray(after) || after.length !== 1 || after[0] !== 15) {
        throw new Error(`platelet panel after the count: ${JSON.stringify(after)}, expected [15]`);
      }
      await shot('07-platelets-added');
      await page.locator('#course').screenshot({path: path.join(outDir, '07-chart.png')});
    });

    await step('weight-gives-doses-with-volumes', async () => {
      // Weight and length: the body-surface-area doses (sirolimus) need both.
      const form = page.locator('#lab-form');
      for (const [analyte, value] of [['weight', '5'], ['height', '56']]) {
        await form.getByLabel('Test').selectOption(analyte);
        await form.getByLabel('Value').fill(value);
        const answer = page.waitForResponse((r) => r.url().endsWith('/observations'));
        await form.getByRole('button', {name: 'Add value'}).click();
        if ((await answer).status() !== 201) throw new Error(`adding the ${analyte} failed`);
        await form.locator('.form-message.ok').waitFor();
      }
      await page.locator('#doses', {hasText: 'Sirolimus'}).waitFor();
      const doses = await page.locator('#doses').innerText();
      if (!/Sirolimus/i.test(doses) || !/\d mL/.test(doses)) throw new Error(`doses: ${doses}`);
      await page.locator('#khe-course-chart[data-state=done]').waitFor();
      await shot('08-doses');
    });

    await step('tablet-view', async () => {
      await page.setViewportSize({width: 768, height: 1024});
      await page.locator('#khe-course-chart[data-state=done]').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 0) throw new Error(`the page is ${overflow}px wider than a 768px tablet`);
      const small = await page.evaluate(() => [...document.querySelectorAll('input, select')]
        .filter((e) => e.offsetParent !== null && parseFloat(getComputedStyle(e).fontSize) < 16).length);
      if (small > 0) throw new Error(`${small} inputs under 16px`);
      await shot('09-tablet');
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({path: path.join(outDir, '09-tablet-first-screen.png')});
      await page.setViewportSize({width: 1280, height: 1000});
    });

    await step('list-shows-attention', async () => {
      await page.getByRole('link', {name: 'All patients'}).click();
      const row = page.locator(`#patient-list tr[data-patient="${patientId}"]`);
      await row.waitFor();
      const text = await row.innerText();
      if (!/KMP present/.test(text)) throw new Error(`list row: ${text}`);
      if (!/Emergent|Urgent/.test(text)) throw new Error(`list row has no urgency: ${text}`);
      await shot('10-list');
    });

    await step('import-bundle', async () => {
      const file = path.join(examplesDir, 'ex01-khe-severe-kmp.json');
      if (!fs.existsSync(file)) {
        console.log(`note: ${file} not found; import step skipped`);
        return;
      }
      await page.getByLabel('FHIR Bundle (JSON file)').setInputFiles(file);
      await page.getByRole('button', {name: 'Import'}).click();
      await page.waitForURL(/#\/patients\/e4bebee8-a216-71e7-1e98-7b039d9a16a1$/);
      await page.locator('#khe-course-chart[data-state=done]').waitFor();
      const series = await chartSeries(page, 'platelets');
      if (!Array.isArray(series) || series.length < 2) throw new Error(`imported platelets: ${JSON.stringify(series)}`);
      await shot('11-imported');
    });

    await step('no-page-problems', async () => {
      if (pageProblems.length) throw new Error(pageProblems.join('\n'));
    });
  } catch (e) {
    // Already reported by step(); anything else is a failure of the test itself.
    if (!results.length || results[results.length - 1].ok) {
      results.push({name: 'harness', ok: false});
      console.log(`FAIL harness: ${e && e.message}`);
    }
    if (pageProblems.length) console.log('page problems:\n  ' + pageProblems.join('\n  '));
  } finally {
    await context.close().catch(() => {});
    killServer();
    fs.rmSync(userDataDir, {recursive: true, force: true});
  }
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  console.log(`artifacts: ${outDir}`);
  console.log(`web-app: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => {
  killServer();
  process.exit(code);
}, (e) => {
  console.error(e && e.message ? e.message : e);
  console.log('web-app: 0 passed, 1 failed');
  killServer();
  process.exit(1);
});
