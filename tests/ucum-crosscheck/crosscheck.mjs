// Cross-checks khe-cds UCUM conversions against NLM's reference library ucum-lhc.
// Usage (from the repository root): node tests/ucum-crosscheck/crosscheck.mjs build/khe
// argv[2] is the khe binary; the converter is dirname(argv[2])/tools/ucum_convert, which
// reads "VALUE FROM TO [MOLAR_MASS]" lines and prints one result line per input line.
// Every pair of commensurable units from the input contract's table (plus a few related
// units) is converted both ways at several values; any relative difference above 1e-12,
// or a refusal on one side only, fails the run (exit 1).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import ucumLhc from '@lhncbc/ucum-lhc';

const TOLERANCE = 1e-12;

if (process.argv.length < 3) {
  console.error('usage: node crosscheck.mjs PATH/TO/khe');
  process.exit(2);
}
const converter = path.join(path.dirname(process.argv[2]), 'tools', 'ucum_convert');
if (!existsSync(converter)) {
  console.error(`ucum-crosscheck: converter not found at ${converter} (build target ucum_convert)`);
  process.exit(2);
}

// Units of one row are mutually commensurable. Rows follow the contract's unit table.
const groups = [
  { name: 'cell counts', units: ['10*3/uL', '10*9/L', '10^9/L', '/nL'] },
  { name: 'hemoglobin', units: ['g/dL', 'g/L'] },
  { name: 'fibrinogen', units: ['mg/dL', 'g/L'] },
  { name: 'D-dimer FEU', units: ['ug/mL{FEU}', 'ng/mL{FEU}', 'mg/L{FEU}'] },
  { name: 'D-dimer DDU', units: ['ng/mL{DDU}', 'ug/L{DDU}'] },
  { name: 'INR', units: ['{INR}', '1'] },
  { name: 'ALT', units: ['U/L', 'umol/min/L', 'mU/mL', 'ukat/L'] },
  { name: 'CRP', units: ['mg/L', 'mg/dL'] },
  { name: 'sirolimus', units: ['ng/mL', 'ug/L'] },
  { name: 'body weight', units: ['kg', 'g', '[lb_av]'] },
  { name: 'length', units: ['cm', 'mm', 'm', '[in_i]'] },
  { name: 'temperature', units: ['Cel', 'K', '[degF]'], values: [-5, 0, 36.6, 38, 41.2] },
  { name: 'blood pressure', units: ['mm[Hg]', 'Pa', 'kPa', 'cm[H2O]'] },
  { name: 'time', units: ['s', 'min', 'h', 'd', 'wk', 'mo', 'a'] },
];
const DEFAULT_VALUES = [0.5, 1, 7.3, 38, 150, 1234.5];

// Mass <-> substance concentrations, bridged by the molar mass (g/mol).
const substances = [
  { name: 'triglycerides', molarMass: 885.7 },
  { name: 'cholesterol', molarMass: 386.65 },
  { name: 'glucose', molarMass: 180.156 },
  { name: 'creatinine', molarMass: 113.12 },
  { name: 'bilirubin', molarMass: 584.66 },
];
const MASS_UNITS = ['mg/dL', 'g/L'];
const AMOUNT_UNITS = ['mmol/L', 'umol/L'];

// Pairs both implementations must refuse.
const refusals = [
  ['g/L', '10*9/L'],
  ['kg', 'cm'],
  ['mg/dL', 'mmol/L'], // no molar mass given
  ['Cel', 's'],
];

const cases = [];
for (const group of groups) {
  for (const from of group.units) {
    for (const to of group.units) {
      if (from === to) continue;
      for (const value of group.values ?? DEFAULT_VALUES) cases.push({ value, from, to });
    }
  }
}
for (const { molarMass } of substances) {
  for (const mass of MASS_UNITS) {
    for (const amount of AMOUNT_UNITS) {
      for (const value of DEFAULT_VALUES) {
        cases.push({ value, from: mass, to: amount, molarMass });
        cases.push({ value, from: amount, to: mass, molarMass });
      }
    }
  }
}
for (const [from, to] of refusals) cases.push({ value: 1, from, to, refuse: true });

// One converter run for all cases: one output line per input line.
const input = cases
  .map((c) => [c.value, c.from, c.to, c.molarMass].filter((x) => x !== undefined).join(' '))
  .join('\n');
const run = spawnSync(converter, [], { input: input + '\n', encoding: 'utf8' });
if (run.status !== 0) {
  console.error(`ucum-crosscheck: ${converter} exited with ${run.status}: ${run.stderr}`);
  process.exit(2);
}
const ours = run.stdout.split('\n');

const lhc = ucumLhc.UcumLhcUtils.getInstance();
let passed = 0;
let failed = 0;
cases.forEach((c, i) => {
  const label = `${c.value} ${c.from} -> ${c.to}` + (c.molarMass ? ` (M = ${c.molarMass})` : '');
  const options = c.molarMass ? { molecularWeight: c.molarMass } : {};
  const reference = lhc.convertUnitTo(c.from, c.value, c.to, options);
  const line = ours[i] ?? '';
  const oursFailed = line.startsWith('ERROR');
  const referenceFailed = reference.status !== 'succeeded';
  let problem = null;
  if (c.refuse) {
    if (!oursFailed || !referenceFailed) {
      problem = `expected both to refuse: khe "${line}", ucum-lhc ${reference.status}`;
    }
  } else if (oursFailed || referenceFailed) {
    problem = `khe "${line}", ucum-lhc ${reference.status} ${reference.msg ?? ''}`;
  } else {
    const a = Number(line);
    const b = reference.toVal;
    const scale = Math.max(Math.abs(a), Math.abs(b));
    const relative = scale === 0 ? 0 : Math.abs(a - b) / scale;
    if (!Number.isFinite(a) || !(relative <= TOLERANCE)) {
      problem = `khe ${line}, ucum-lhc ${b}, relative difference ${relative}`;
    }
  }
  if (problem) {
    failed++;
    console.log(`FAIL ${label}: ${problem}`);
  } else {
    passed++;
  }
});
console.log(`ucum-crosscheck: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
