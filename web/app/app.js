// The khe-cds web app: a patient list and a patient page over the REST API of `khe serve`
// (/api/..., described by /api/openapi.json). Plain browser JavaScript, no framework, no
// network access but this origin. Every text from the server or the record is set with
// textContent, never parsed as HTML. Hash routes: #/patients and #/patients/{id}.
'use strict';

(function () {
  const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
  const state = {inputs: null, patient: null, report: null};

  // ---- small DOM helpers ---------------------------------------------------------------

  // h('p', {class: 'x'}, 'text', child, ...): an element; attributes starting with "on" are
  // listeners; null/false children are skipped.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
  }
  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }
  function announce(text) {
    const s = document.getElementById('status');
    s.textContent = '';
    window.setTimeout(() => { s.textContent = text; }, 30);
  }

  // ---- the API -------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = {method, headers: {Accept: 'application/json'}, credentials: 'same-origin'};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/fhir+json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch (e) {
      return {status: 0, data: {error: 'network', message: 'The server cannot be reached.'}};
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = {message: text}; }
    }
    return {status: res.status, data};
  }

  async function inputs() {
    if (!state.inputs) {
      const r = await api('GET', '/api/inputs');
      if (r.status !== 200) throw new Error('GET /api/inputs answered ' + r.status);
      state.inputs = r.data;
    }
    return state.inputs;
  }

  // ---- words ---------------------------------------------------------------------------

  const STATUS_TEXT = {
    present: 'KMP present', absent: 'No KMP', indeterminate: 'KMP indeterminate',
    suspected: 'KMP suspected', not_expected: 'KMP not expected',
    not_applicable: 'Not applicable',
  };
  const REGIMEN_TEXT = {
    sirolimus_prednisolone: 'Sirolimus with prednisolone', sirolimus: 'Sirolimus',
    observation: 'Observation', add_vincristine: 'Add vincristine',
    reassess_diagnosis: 'Reassess the diagnosis', specialist_evaluation: 'Specialist evaluation',
    vincristine_corticosteroid: 'Vincristine with a corticosteroid',
  };
  const URGENCY_RANK = {emergent: 0, urgent: 1, routine: 2};

  function words(code) {
    if (code === null || code === undefined || code === '') return '—';
    const s = String(code).replace(/[_-]+/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }
  // UCUM codes as people write them.
  function unitText(code) {
    if (!code) return '';
    const map = {
      '10*9/L': '×10⁹/L', '10*3/uL': '×10³/µL', 'Cel': '°C', 'mm[Hg]': 'mmHg', '{INR}': 'INR',
      '1': '(ratio)', '%': '%',
    };
    if (map[code]) return map[code];
    return code.replace(/u(g|L|mol)/g, 'µ$1').replace(/\{([^}]*)\}/g, ' $1');
  }
  function diagnosisText(code) {
    const d = ((state.inputs && state.inputs.diagnoses) || []).find((x) => x.code === code);
    return d ? words(d.label) : words(code);
  }
  function yesNo(v) { return v === true ? 'yes' : v === false ? 'no' : 'not known'; }
  function fmtTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString(undefined, {year: 'numeric', month: 'short', day: 'numeric',
                                        hour: '2-digit', minute: '2-digit'});
  }
  function ageText(birthDate) {
    if (!birthDate) return '';
    const b = new Date(birthDate + 'T00:00:00');
    const days = Math.floor((Date.now() - b.getTime()) / 86400000);
    if (Number.isNaN(days) || days < 0) return '';
    if (days < 60) return days + ' days';
    if (days < 730) return Math.floor(days / 30.4375) + ' months';
    return Math.floor(days / 365.25) + ' years';
  }
  function badge(kind, value, text) {
    return h('span', {class: 'badge ' + kind + '-' + String(value || 'none')}, text);
  }
  function statusBadge(status, severity) {
    const text = (STATUS_TEXT[status] || words(status)) + (severity ? ' · ' + severity : '');
    return badge('status', status, text);
  }
  function urgencyBadge(urgency) { return badge('urgency', urgency, words(urgency)); }
  function ruleTag(id) { return id ? h('span', {class: 'rule'}, id) : null; }

  // Local date-time "YYYY-MM-DDTHH:MM" for <input type="datetime-local">, to the minute.
  function localNow() {
    const d = new Date();
    d.setSeconds(0, 0);
    const p = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:` +
           `${p(d.getMinutes())}`;
  }
  function todayIso() { return localNow().slice(0, 10); }
  // A datetime-local value as a FHIR dateTime in UTC ("2026-08-03T10:15:00Z").
  function toFhirDateTime(value) {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ---- forms ---------------------------------------------------------------------------

  let fieldSeq = 0;
  // A labelled field: {wrap, input, error}. `control` is an input or select element.
  function field(label, control, hint) {
    const id = 'f' + (++fieldSeq);
    control.id = id;
    const error = h('p', {class: 'field-error', id: id + '-error', hidden: true});
    const hintEl = hint ? h('p', {class: 'hint', id: id + '-hint'}, hint) : null;
    control.setAttribute('aria-describedby', (hintEl ? id + '-hint ' : '') + id + '-error');
    const wrap = h('div', {class: 'field'}, h('label', {for: id}, label), control, hintEl, error);
    return {wrap, input: control, error};
  }
  function select(options, attrs) {
    const s = h('select', attrs || {});
    for (const o of options) s.appendChild(h('option', {value: o.value}, o.text));
    return s;
  }
  function setError(f, message) {
    f.error.textContent = message || '';
    f.error.hidden = !message;
    if (message) f.input.setAttribute('aria-invalid', 'true');
    else f.input.removeAttribute('aria-invalid');
  }
  function clearErrors(form) {
    for (const f of form.fields) setError(f, '');
    form.message.textContent = '';
    form.message.className = 'form-message';
  }
  function formMessage(form, text, ok) {
    form.message.textContent = text;
    form.message.className = 'form-message ' + (ok ? 'ok' : 'bad');
  }
  // Shows a 4xx answer: each problem next to the field its JSON path names (`paths`: path
  // prefix -> field), the rest above the button. Focuses the first field in error.
  function showServerErrors(form, r, paths) {
    const problems = (r.data && r.data.problems) || [];
    const rest = [];
    let first = null;
    for (const p of problems) {
      const path = p.path || '';
      let target = null;
      for (const [prefix, f, when] of paths) {
        if (when && !when(p)) continue;
        if (path === prefix || path.startsWith(prefix + '.') || path.startsWith(prefix + '[')) {
          target = f;
          break;
        }
      }
      if (target) {
        setError(target, (target.error.hidden ? '' : target.error.textContent + ' ') + p.message);
        first = first || target;
      } else {
        rest.push((p.path ? p.path + ': ' : '') + p.message);
      }
    }
    const head = (r.data && r.data.message) || ('The server answered ' + r.status);
    formMessage(form, head + (rest.length ? ' — ' + rest.join('; ') : ''), false);
    (first ? first.input : form.el.querySelector('button[type=submit]')).focus();
    announce(head);
  }
  // A <form> with a heading, fields, a submit button and a message line.
  function makeForm(id, title, fields, buttonText, onsubmit) {
    const message = h('p', {class: 'form-message', role: 'alert'});
    const el = h('form', {id, class: 'card form', novalidate: true, 'aria-labelledby': id + '-h'},
                 h('h3', {id: id + '-h'}, title), fields.map((f) => f.wrap), message,
                 h('button', {type: 'submit'}, buttonText));
    const form = {el, fields, message};
    el.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const button = el.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        await onsubmit(form);
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }
  function requireValue(f, text) {
    if (f.input.value.trim() === '') {
      setError(f, text || 'Required.');
      return false;
    }
    return true;
  }
  function checkNotFuture(f) {
    const t = toFhirDateTime(f.input.value);
    if (!t) {
      setError(f, 'Enter a date and time.');
      return null;
    }
    if (new Date(t).getTime() > Date.now() + 60000) {
      setError(f, 'This is in the future.');
      return null;
    }
    return t;
  }

  // ---- patient list --------------------------------------------------------------------

  async function showList() {
    const main = clear(document.getElementById('main'));
    const h1 = h('h1', {tabindex: '-1'}, 'Patients');
    main.appendChild(h1);
    const listBox = h('section', {class: 'card', 'aria-labelledby': 'list-h'},
                      h('h2', {id: 'list-h'}, 'Who needs attention'),
                      h('p', {class: 'loading'}, 'Loading…'));
    main.appendChild(listBox);
    const forms = h('div', {class: 'grid2'});
    main.appendChild(forms);
    forms.appendChild(createPatientForm().el);
    forms.appendChild(importForm().el);
    h1.focus();

    const r = await api('GET', '/api/patients');
    const loading = listBox.querySelector('.loading');
    if (r.status !== 200) {
      loading.textContent = 'The list cannot be loaded (' + r.status + ').';
      return;
    }
    loading.remove();
    const patients = r.data.patients.slice().sort((a, b) =>
      (URGENCY_RANK[a.urgency] ?? 3) - (URGENCY_RANK[b.urgency] ?? 3) ||
      a.id.localeCompare(b.id));
    if (!patients.length) {
      listBox.appendChild(h('p', {}, 'No patients yet: create one or import a FHIR Bundle.'));
      return;
    }
    const rows = patients.map((p) => h('tr', {'data-patient': p.id},
      h('th', {scope: 'row'}, h('a', {href: '#/patients/' + encodeURIComponent(p.id)}, p.id)),
      h('td', {}, p.birthDate || '—', p.birthDate ? h('span', {class: 'muted'}, ' (' + ageText(p.birthDate) + ')') : null),
      h('td', {}, words(p.gender)),
      h('td', {}, p.unusable ? badge('status', 'unusable', 'Record unusable') : statusBadge(p.kmp_status, p.kmp_severity)),
      h('td', {}, p.urgency ? urgencyBadge(p.urgency) : '—'),
      h('td', {}, fmtTime(p.updated))));
    listBox.appendChild(h('div', {class: 'table-wrap'}, h('table', {id: 'patient-list'},
      h('caption', {class: 'visually-hidden'}, 'Patients, most urgent first, evaluated ' + fmtTime(r.data.as_of)),
      h('thead', {}, h('tr', {}, ['Patient', 'Birth date', 'Sex', 'KMP', 'Urgency', 'Updated'].map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows))));
    listBox.appendChild(h('p', {class: 'muted'}, 'Evaluated ' + fmtTime(r.data.as_of) + ' with profile ' +
                          r.data.profile + ', knowledge ' + r.data.knowledge_version + '.'));
  }

  function createPatientForm() {
    const id = field('Patient id (optional)', h('input', {type: 'text', name: 'id', autocomplete: 'off', spellcheck: 'false'}),
                     'Letters, digits, "-" and "."; one is made when left empty.');
    const birth = field('Birth date', h('input', {type: 'date', name: 'birthDate', required: true, max: todayIso()}));
    const gender = field('Sex', select([{value: 'female', text: 'Female'}, {value: 'male', text: 'Male'},
                                        {value: 'other', text: 'Other'}, {value: 'unknown', text: 'Unknown'}], {name: 'gender'}));
    return makeForm('create-patient', 'New patient', [id, birth, gender], 'Create patient', async (form) => {
      let ok = requireValue(birth, 'Enter the birth date.');
      const idValue = id.input.value.trim();
      if (idValue && !ID_RE.test(idValue)) {
        setError(id, 'Use 1 to 64 letters, digits, "-" or ".".');
        ok = false;
      }
      if (birth.input.value && birth.input.value > todayIso()) {
        setError(birth, 'The birth date is in the future.');
        ok = false;
      }
      if (!ok) {
        form.el.querySelector('[aria-invalid=true]').focus();
        return;
      }
      const patient = {resourceType: 'Patient'};
      if (idValue) patient.id = idValue;
      patient.birthDate = birth.input.value;
      patient.gender = gender.input.value;
      const r = await api('POST', '/api/patients', patient);
      if (r.status === 201) {
        announce('Patient created');
        location.hash = '#/patients/' + encodeURIComponent(r.data.id);
        return;
      }
      if (r.status === 409) {
        setError(id, 'A patient with this id exists.');
        id.input.focus();
        formMessage(form, 'Not created.', false);
        return;
      }
      showServerErrors(form, r, [['id', id], ['birthDate', birth], ['gender', gender]]);
    });
  }

  function importForm() {
    const file = field('FHIR Bundle (JSON file)', h('input', {type: 'file', name: 'bundle', accept: '.json,application/json,application/fhir+json'}),
                       'One patient and its resources.');
    return makeForm('import-patient', 'Import a FHIR Bundle', [file], 'Import', async (form) => {
      const f = file.input.files && file.input.files[0];
      if (!f) {
        setError(file, 'Choose a file.');
        file.input.focus();
        return;
      }
      const text = await f.text();
      try {
        JSON.parse(text);
      } catch (e) {
        setError(file, 'This file is not JSON.');
        file.input.focus();
        return;
      }
      const r = await api('POST', '/api/patients/import', text);
      if (r.status === 201) {
        announce('Patient imported');
        location.hash = '#/patients/' + encodeURIComponent(r.data.id);
        return;
      }
      if (r.status === 409) {
        formMessage(form, 'A patient with the id of this Bundle exists: delete it first.', false);
        return;
      }
      showServerErrors(form, r, []);
    });
  }

  // ---- patient page --------------------------------------------------------------------

  async function showPatient(id) {
    const main = clear(document.getElementById('main'));
    const h1 = h('h1', {tabindex: '-1'}, 'Patient ', h('span', {class: 'pid'}, id));
    main.appendChild(h('p', {class: 'back'}, h('a', {href: '#/patients'}, '← All patients')));
    main.appendChild(h1);
    h1.focus();
    const [bundle, inp] = await Promise.all([api('GET', '/api/patients/' + encodeURIComponent(id)), inputs()]);
    if (bundle.status !== 200) {
      main.appendChild(h('p', {class: 'card bad'}, bundle.status === 404 ? 'No patient with this id.' :
                         'The patient cannot be loaded (' + bundle.status + ').'));
      return;
    }
    state.patient = {id, bundle: bundle.data};
    const patient = (bundle.data.entry || [])[0].resource || {};
    main.appendChild(h('p', {class: 'demo'}, 'Born ' + (patient.birthDate || '—') +
                       (patient.birthDate ? ' (' + ageText(patient.birthDate) + ')' : '') + ' · ' + words(patient.gender)));

    const layout = h('div', {class: 'layout'});
    const reportCol = h('div', {class: 'report-col', id: 'report', 'aria-live': 'off'});
    const formCol = h('aside', {class: 'form-col', 'aria-label': 'Add to the record'});
    layout.append(reportCol, formCol);
    main.appendChild(layout);

    formCol.appendChild(h('h2', {}, 'Add to the record'));
    formCol.appendChild(labForm(id, inp).el);
    formCol.appendChild(medicationForm(id, inp).el);
    formCol.appendChild(diagnosisForm(id, inp).el);
    formCol.appendChild(findingForm(id, inp).el);
    formCol.appendChild(procedureForm(id, inp).el);
    formCol.appendChild(recordSection(bundle.data));
    formCol.appendChild(dangerZone(id));
    await loadReport(id);
  }

  async function loadReport(id, query) {
    const col = document.getElementById('report');
    if (!col) return;
    const q = query || state.reportQuery || '';
    const r = await api('GET', '/api/patients/' + encodeURIComponent(id) + '/report' + q);
    if (r.status !== 200) {
      clear(col).appendChild(h('p', {class: 'card bad'}, (r.data && r.data.message) ||
                               'The report cannot be made (' + r.status + ').'));
      return;
    }
    state.report = r.data;
    renderReport(col, id, r.data);
  }

  async function refreshRecord(id) {
    const b = await api('GET', '/api/patients/' + encodeURIComponent(id));
    if (b.status === 200) {
      const old = document.getElementById('record');
      if (old) old.replaceWith(recordSection(b.data));
    }
    await loadReport(id);
  }

  function section(id, title, ...content) {
    return h('section', {class: 'card', id, 'aria-labelledby': id + '-h'}, h('h2', {id: id + '-h'}, title), content);
  }
  function dl(pairs) {
    return h('dl', {class: 'facts'}, pairs.filter((p) => p).map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  }

  function renderReport(col, id, rep) {
    const old = document.getElementById('khe-course-chart');
    if (old && window.KheChart) window.KheChart.destroy(old);
    clear(col);
    const kmp = rep.kmp || {};
    const coag = rep.coagulopathy || {};
    const risk = rep.risk || {};
    const prov = rep.provenance || {};

    col.appendChild(section('assessment', 'Assessment',
      h('p', {class: 'headline'},
        h('span', {id: 'kmp-status', 'data-status': kmp.status || ''}, statusBadge(kmp.status, kmp.severity)), ' ',
        h('span', {id: 'urgency', 'data-urgency': rep.urgency || ''}, urgencyBadge(rep.urgency))),
      dl([
        ['KMP', (STATUS_TEXT[kmp.status] || words(kmp.status)) + (kmp.severity ? ', ' + kmp.severity : '')],
        ['Platelets used', kmp.platelets_10e9_per_L === null || kmp.platelets_10e9_per_L === undefined ? '—' :
          (kmp.platelets_comparator || '') + kmp.platelets_10e9_per_L + ' ' + unitText('10*9/L')],
        ['Diagnosis', kmp.diagnosis ? diagnosisText(kmp.diagnosis) + (kmp.diagnosis_certainty ? ' (' + kmp.diagnosis_certainty + ')' : '') : '—'],
        ['Coagulopathy', yesNo(coag.present) + (coag.severe_hypofibrinogenemia ? ', severe hypofibrinogenemia' : '')],
        ['Risk', words(risk.level) + (risk.reasons && risk.reasons.length ? ' — ' + risk.reasons.map(words).join(', ') : '')],
        ['Urgency', words(rep.urgency)],
      ]),
      rep.urgency_reasons && rep.urgency_reasons.length ?
        h('div', {}, h('h3', {}, 'Why this urgency'), h('ul', {id: 'urgency-reasons'}, rep.urgency_reasons.map((t) => h('li', {}, t)))) : null));

    const rec = rep.recommendation || {};
    const doses = rec.doses || [];
    col.appendChild(section('regimen', 'Regimen and doses',
      h('p', {class: 'headline'}, rec.regimen ? REGIMEN_TEXT[rec.regimen] || words(rec.regimen) : 'No regimen',
        ' ', ruleTag(rec.rule_id)),
      rec.null_reason ? h('p', {class: 'muted'}, words(rec.null_reason)) : null,
      doses.length ? h('div', {class: 'table-wrap'}, h('table', {id: 'doses'},
        h('thead', {}, h('tr', {}, ['Drug', 'Dose', 'Every', 'Route', 'Volume', 'Basis', 'Rule'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, doses.map((d) => h('tr', {},
          h('th', {scope: 'row'}, words(d.drug)),
          h('td', {}, d.dose_mg + ' mg', d.daily_mg ? h('span', {class: 'muted'}, ' (' + d.daily_mg + ' mg/day)') : null),
          h('td', {}, d.interval_h + ' h'),
          h('td', {}, d.route || '—'),
          h('td', {}, d.volume_mL !== null && d.volume_mL !== undefined ? d.volume_mL + ' mL' : '—',
            d.formulation ? h('span', {class: 'muted'}, ' of ' + d.formulation) : null),
          h('td', {}, d.basis || '', (d.notes || []).map((n) => h('p', {class: 'note'}, n))),
          h('td', {}, ruleTag(d.rule_id))))))) : null,
      (rec.context || []).length ? h('details', {}, h('summary', {}, 'Context'), h('ul', {}, rec.context.map((t) => h('li', {}, t)))) : null));

    const alerts = rep.alerts || [];
    col.appendChild(section('alerts', 'Alerts',
      alerts.length ? h('ul', {class: 'alerts'}, alerts.map((a) => h('li', {class: 'alert alert-' + a.severity},
        badge('sev', a.severity, words(a.severity)), ' ', a.message,
        (a.details || []).length ? ' ' + a.details.join(', ') : '', ' ', ruleTag(a.rule_id)))) :
        h('p', {class: 'muted'}, 'No alerts.')));

    const resp = rep.response;
    col.appendChild(section('response', 'Response',
      resp ? dl([
        ['Therapy start', resp.therapy_start || '—'],
        ['Platelet response', yesNo(resp.platelet_response) + (resp.days_to_platelet_response !== null && resp.days_to_platelet_response !== undefined ? ' (day ' + resp.days_to_platelet_response + ')' : '')],
        ['Durable response at week 4', yesNo(resp.durable_platelet_response_week4)],
        ['Fibrinogen stabilized', yesNo(resp.fibrinogen_stabilized)],
        ['Relapse', yesNo(resp.relapse)],
        resp.resolution_date ? ['KMP resolved', resp.resolution_date] : null,
      ]) : h('p', {class: 'muted'}, 'No KMP-directed therapy recorded yet.')));

    const trough = rep.sirolimus_trough;
    if (trough) {
      col.appendChild(section('trough', 'Sirolimus trough', dl([
        ['Latest', (trough.comparator || '') + trough.value_ng_per_mL + ' ng/mL, ' + fmtTime(trough.time)],
        ['Target', trough.target_low + '–' + trough.target_high + ' ng/mL (' + words(trough.phase) + ')'],
        ['Status', words(trough.status)],
        trough.adjustment ? ['Adjustment', trough.adjustment.dose_mg + ' mg every ' + trough.adjustment.interval_h + ' h'] : null,
      ])));
    }

    const mon = rep.monitoring || [];
    col.appendChild(section('monitoring', 'Monitoring',
      mon.length ? h('div', {class: 'table-wrap'}, h('table', {},
        h('thead', {}, h('tr', {}, ['Test', 'Last', 'Due', 'Status', 'Rule'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, mon.map((m) => h('tr', {},
          h('th', {scope: 'row'}, words(m.test)), h('td', {}, fmtTime(m.last)), h('td', {}, fmtTime(m.due)),
          h('td', {}, badge('mon', m.status, words(m.status))), h('td', {}, ruleTag(m.rule_id))))))) :
        h('p', {class: 'muted'}, 'Nothing due.')));

    const chartBox = h('div', {id: 'khe-course-chart', class: 'chart', 'data-state': 'pending'});
    col.appendChild(section('course', 'Course', h('div', {class: 'chart-scroll'}, chartBox)));

    const sources = {};
    for (const s of (state.inputs && state.inputs.sources) || []) sources[s.id] = s;
    const findings = rep.findings || [];
    col.appendChild(section('evidence', 'Evidence',
      h('ul', {class: 'evidence'}, findings.map((f) => h('li', {},
        ruleTag(f.rule_id), ' ', f.statement,
        f.evidence_tag ? h('span', {class: 'tag'}, ' [' + f.evidence_tag + ']') : null,
        f.local_default ? h('span', {class: 'tag'}, ' [local default]') : null,
        (f.sources || []).length ? h('span', {class: 'sources'}, ' — ', f.sources.map((id, i) => {
          const s = sources[id];
          const link = s && s.url ? h('a', {href: s.url, target: '_blank', rel: 'noopener noreferrer', title: s.citation}, id) : h('span', {title: s ? s.citation : ''}, id);
          return i ? [', ', link] : link;
        })) : null)))));

    const dq = rep.data_quality || [];
    if (dq.length) {
      col.appendChild(section('data-quality', 'Data quality',
        h('ul', {}, dq.map((d) => h('li', {}, badge('sev', d.severity, words(d.severity)), ' ',
          (d.resource ? d.resource + (d.path ? ' ' + d.path : '') + ': ' : '') + d.message)))));
    }

    const profiles = (state.inputs && state.inputs.profiles) || [];
    const asOf = field('As of', h('input', {type: 'datetime-local', name: 'as_of'}), 'Empty: now.');
    const prof = field('Profile', select(profiles.map((p) => ({value: p.id, text: p.id})), {name: 'profile'}));
    if (prov.profile) prof.input.value = prov.profile;
    const again = makeForm('reevaluate', 'Evaluate again', [asOf, prof], 'Evaluate', async () => {
      const params = new URLSearchParams();
      if (asOf.input.value) {
        const t = toFhirDateTime(asOf.input.value);
        if (!t) { setError(asOf, 'Enter a date and time.'); return; }
        params.set('as_of', t);
      }
      params.set('profile', prof.input.value);
      state.reportQuery = '?' + params.toString();
      await loadReport(id);
      announce('Report updated');
    });
    col.appendChild(section('provenance', 'Provenance',
      dl([
        ['Engine', prov.engine_version], ['Knowledge', prov.knowledge_version], ['Profile', prov.profile],
        ['As of', h('span', {id: 'as-of', 'data-as-of': prov.as_of || ''}, fmtTime(prov.as_of) + ' (' + prov.as_of + ')')],
        ['Input SHA-256', h('code', {class: 'sha'}, prov.input_sha256 || '')],
      ]),
      h('p', {}, h('a', {href: '/api/patients/' + encodeURIComponent(id) + '/report?format=html' +
                          (state.reportQuery ? '&' + state.reportQuery.slice(1) : ''),
                         target: '_blank', rel: 'noopener'}, 'Printable report (opens in a new tab)')),
      again.el));

    // The chart last: it needs the element in the page to measure it.
    chartBox.setAttribute('data-input-sha256', prov.input_sha256 || '');
    if (window.KheChart) {
      try {
        window.KheChart.render(chartBox, rep);
        chartBox.setAttribute('data-state', 'done');
      } catch (e) {
        chartBox.appendChild(h('p', {class: 'bad'}, 'The chart cannot be drawn.'));
        chartBox.setAttribute('data-state', 'error');
      }
    } else {
      chartBox.appendChild(h('p', {class: 'bad'}, 'The chart module is not loaded.'));
      chartBox.setAttribute('data-state', 'error');
    }
  }

  // ---- the forms of the patient page ---------------------------------------------------

  // A problem about the unit goes next to the unit, whatever path the reader names.
  const aboutUnit = (p) => /unit/i.test((p.code || '') + ' ' + (p.message || ''));
  const ANALYTE_PATHS = (f) => [['valueQuantity.value', f.value], ['valueQuantity.code', f.unit],
    ['valueQuantity.unit', f.unit], ['valueQuantity', f.unit, aboutUnit], ['valueQuantity', f.value],
    ['effectiveDateTime', f.time], ['code', f.analyte]];

  function labForm(id, inp) {
    const analytes = inp.analytes || [];
    const analyte = field('Test', select(analytes.map((a) => ({value: a.analyte, text: a.label})), {name: 'analyte'}));
    const value = field('Value', h('input', {type: 'text', inputmode: 'decimal', name: 'value', autocomplete: 'off', required: true}));
    const unit = field('Unit', h('select', {name: 'unit'}));
    const time = field('Taken at', h('input', {type: 'datetime-local', name: 'time', required: true, value: localNow()}));
    const byName = Object.fromEntries(analytes.map((a) => [a.analyte, a]));
    function fillUnits() {
      const a = byName[analyte.input.value];
      clear(unit.input);
      for (const u of (a && a.units) || []) unit.input.appendChild(h('option', {value: u.code}, unitText(u.code)));
      if (a) unit.input.value = a.unit;
    }
    analyte.input.addEventListener('change', fillUnits);
    if (byName.platelets) analyte.input.value = 'platelets';
    fillUnits();
    const fields = {analyte, value, unit, time};
    return makeForm('lab-form', 'Laboratory value or vital sign', [analyte, value, unit, time], 'Add value', async (form) => {
      const a = byName[analyte.input.value];
      const u = ((a && a.units) || []).find((x) => x.code === unit.input.value);
      let ok = true;
      const raw = value.input.value.trim().replace(',', '.');
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) {
        setError(value, 'Enter a number.');
        ok = false;
      } else if (u && ((u.min !== undefined && n < u.min) || (u.max !== undefined && n > u.max))) {
        setError(value, `Outside the plausible range ${u.min}–${u.max} ${unitText(u.code)}.`);
        ok = false;
      }
      const t = checkNotFuture(time);
      if (!t) ok = false;
      if (!ok) {
        form.el.querySelector('[aria-invalid=true]').focus();
        return;
      }
      const obs = {
        resourceType: 'Observation', status: 'final',
        category: [{coding: [{system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: a.category}]}],
        code: {coding: [{system: inp.systems.loinc, code: a.loinc, display: a.label}], text: a.label},
        subject: {reference: 'Patient/' + id},
        effectiveDateTime: t,
        valueQuantity: {value: n, unit: unitText(unit.input.value), system: inp.systems.ucum, code: unit.input.value},
      };
      const r = await api('POST', '/api/patients/' + encodeURIComponent(id) + '/observations', obs);
      if (r.status === 201) {
        formMessage(form, `Added: ${a.label} ${n} ${unitText(unit.input.value)}.`, true);
        announce(`${a.label} added; report updated`);
        value.input.value = '';
        await refreshRecord(id);
        return;
      }
      showServerErrors(form, r, ANALYTE_PATHS(fields));
    });
  }

  function medicationForm(id, inp) {
    const drugs = (inp.drugs || []).filter((d) => d.rxnorm);
    drugs.sort((a, b) => (b.kmp_therapy - a.kmp_therapy) || a.id.localeCompare(b.id));
    const drug = field('Drug', select(drugs.map((d) => ({value: d.id, text: words(d.label)})), {name: 'drug'}));
    const dose = field('Dose (mg per administration)', h('input', {type: 'text', inputmode: 'decimal', name: 'dose', autocomplete: 'off'}));
    const every = field('Every (hours)', h('input', {type: 'text', inputmode: 'decimal', name: 'interval', value: '12', autocomplete: 'off'}));
    const routes = inp.routes || [];
    const route = field('Route', select(routes.map((r) => ({value: r.name, text: words(r.name)})), {name: 'route'}));
    const start = field('Started', h('input', {type: 'datetime-local', name: 'start', value: localNow()}));
    const end = field('Stopped (optional)', h('input', {type: 'datetime-local', name: 'end'}));
    const byId = Object.fromEntries(drugs.map((d) => [d.id, d]));
    if (byId.sirolimus) drug.input.value = 'sirolimus';
    if (routes.some((r) => r.name === 'oral')) route.input.value = 'oral';
    const paths = [['dosage', dose], ['medicationCodeableConcept', drug], ['effectivePeriod.end', end], ['effectivePeriod', start], ['status', end]];
    return makeForm('medication-form', 'Medication', [drug, dose, every, route, start, end], 'Add medication', async (form) => {
      let ok = true;
      const mg = Number(dose.input.value.trim().replace(',', '.'));
      if (!dose.input.value.trim() || !Number.isFinite(mg) || mg <= 0) { setError(dose, 'Enter the dose in mg.'); ok = false; }
      const h_ = Number(every.input.value.trim().replace(',', '.'));
      if (!Number.isFinite(h_) || h_ <= 0) { setError(every, 'Enter the interval in hours.'); ok = false; }
      const s = checkNotFuture(start);
      if (!s) ok = false;
      let e = null;
      if (end.input.value) {
        e = toFhirDateTime(end.input.value);
        if (!e) { setError(end, 'Enter a date and time.'); ok = false; } else if (s && e < s) { setError(end, 'Before the start.'); ok = false; }
      }
      if (!ok) { form.el.querySelector('[aria-invalid=true]').focus(); return; }
      const d = byId[drug.input.value];
      const r0 = routes.find((x) => x.name === route.input.value);
      const med = {
        resourceType: 'MedicationStatement', status: e ? 'completed' : 'active',
        medicationCodeableConcept: {coding: [{system: inp.systems.rxnorm, code: d.rxnorm, display: d.label}], text: d.label},
        subject: {reference: 'Patient/' + id},
        effectivePeriod: e ? {start: s, end: e} : {start: s},
        dosage: [{
          timing: {repeat: {frequency: 1, period: h_, periodUnit: 'h'}},
          route: r0 ? {coding: [{system: r0.system, code: r0.code, display: r0.name}], text: r0.name} : undefined,
          doseAndRate: [{doseQuantity: {value: mg, unit: 'mg', system: inp.systems.ucum, code: 'mg'}}],
        }],
      };
      const r = await api('POST', '/api/patients/' + encodeURIComponent(id) + '/medications', med);
      if (r.status === 201) {
        formMessage(form, `Added: ${words(d.label)} ${mg} mg every ${h_} h.`, true);
        announce('Medication added; report updated');
        await refreshRecord(id);
        return;
      }
      showServerErrors(form, r, paths);
    });
  }

  function diagnosisForm(id, inp) {
    const dx = field('Diagnosis', select((inp.diagnoses || []).map((d) => ({value: d.code, text: words(d.label)})), {name: 'diagnosis'}));
    const ver = field('Certainty', select([{value: 'confirmed', text: 'Confirmed'}, {value: 'provisional', text: 'Suspected (provisional)'}], {name: 'verification'}));
    const when = field('Recorded', h('input', {type: 'datetime-local', name: 'recorded', value: localNow()}));
    return makeForm('diagnosis-form', 'Diagnosis', [dx, ver, when], 'Add diagnosis', async (form) => {
      const t = checkNotFuture(when);
      if (!t) { when.input.focus(); return; }
      const cond = {
        resourceType: 'Condition',
        clinicalStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active'}]},
        verificationStatus: {coding: [{system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: ver.input.value}]},
        code: {coding: [{system: inp.systems.diagnosis, code: dx.input.value}]},
        subject: {reference: 'Patient/' + id},
        recordedDate: t,
      };
      const r = await api('POST', '/api/patients/' + encodeURIComponent(id) + '/findings', cond);
      if (r.status === 201) {
        formMessage(form, 'Added: ' + words(dx.input.selectedOptions[0].textContent) + '.', true);
        announce('Diagnosis added; report updated');
        await refreshRecord(id);
        return;
      }
      showServerErrors(form, r, [['code', dx], ['verificationStatus', ver], ['recordedDate', when]]);
    });
  }

  function findingForm(id, inp) {
    const defs = inp.findings || [];
    const byCode = Object.fromEntries(defs.map((f) => [f.code, f]));
    const finding = field('Finding', select(defs.map((f) => ({value: f.code, text: f.label})), {name: 'finding'}));
    const value = field('Value', h('select', {name: 'value'}));
    const number = field('Amount', h('input', {type: 'text', inputmode: 'decimal', name: 'amount', autocomplete: 'off'}));
    const unit = field('Unit', h('select', {name: 'finding-unit'}));
    const when = field('Observed', h('input', {type: 'datetime-local', name: 'observed', value: localNow()}));
    function update() {
      const f = byCode[finding.input.value];
      const quantity = f && f.value === 'quantity';
      value.wrap.hidden = quantity;
      number.wrap.hidden = !quantity;
      unit.wrap.hidden = !quantity;
      clear(value.input);
      clear(unit.input);
      if (!f) return;
      let opts = [];
      if (f.value === 'boolean') opts = [{value: 'true', text: 'Yes'}, {value: 'false', text: 'No'}];
      else if (f.value === 'code') opts = f.options.map((o) => ({value: o.code, text: o.label}));
      else if (f.value === 'grade') opts = [1, 2, 3, 4, 5].map((g) => ({value: String(g), text: 'CTCAE grade ' + g}));
      for (const o of opts) value.input.appendChild(h('option', {value: o.value}, o.text));
      for (const u of f.units || []) unit.input.appendChild(h('option', {value: u.code}, unitText(u.code)));
      if (f.unit) unit.input.value = f.unit;
    }
    finding.input.addEventListener('change', update);
    update();
    return makeForm('finding-form', 'Clinical finding', [finding, value, number, unit, when], 'Add finding', async (form) => {
      const f = byCode[finding.input.value];
      const t = checkNotFuture(when);
      let ok = !!t;
      const obs = {
        resourceType: 'Observation', status: 'final',
        code: {coding: [{system: inp.systems.finding, code: f.code}], text: f.label},
        subject: {reference: 'Patient/' + id}, effectiveDateTime: t,
      };
      if (f.value === 'boolean') obs.valueBoolean = value.input.value === 'true';
      else if (f.value === 'code') obs.valueCodeableConcept = {coding: [{system: inp.systems.finding, code: value.input.value}]};
      else if (f.value === 'grade') obs.valueInteger = Number(value.input.value);
      else {
        const n = Number(number.input.value.trim().replace(',', '.'));
        const u = (f.units || []).find((x) => x.code === unit.input.value);
        if (!number.input.value.trim() || !Number.isFinite(n)) { setError(number, 'Enter a number.'); ok = false; }
        else if (u && ((u.min !== undefined && n < u.min) || (u.max !== undefined && n > u.max))) {
          setError(number, `Outside the plausible range ${u.min}–${u.max} ${unitText(u.code)}.`); ok = false;
        }
        obs.valueQuantity = {value: n, unit: unitText(unit.input.value), system: inp.systems.ucum, code: unit.input.value};
      }
      if (!ok) { form.el.querySelector('[aria-invalid=true]').focus(); return; }
      const r = await api('POST', '/api/patients/' + encodeURIComponent(id) + '/findings', obs);
      if (r.status === 201) {
        formMessage(form, 'Added: ' + f.label + '.', true);
        announce('Finding added; report updated');
        number.input.value = '';
        await refreshRecord(id);
        return;
      }
      showServerErrors(form, r, [['valueQuantity', number], ['valueBoolean', value], ['valueCodeableConcept', value],
                                 ['valueInteger', value], ['effectiveDateTime', when], ['code', finding]]);
    });
  }

  function procedureForm(id, inp) {
    const proc = field('Transfusion or procedure', select((inp.procedures || []).map((p) => ({value: p.code, text: p.label})), {name: 'procedure'}));
    const why = field('Indication', select([{value: '', text: 'Not recorded'}].concat(
      (inp.indications || []).map((p) => ({value: p.code, text: p.label}))), {name: 'indication'}));
    const status = field('Status', select([{value: 'completed', text: 'Done'}, {value: 'preparation', text: 'Planned'}], {name: 'status'}));
    const when = field('When', h('input', {type: 'datetime-local', name: 'performed', value: localNow()}));
    return makeForm('procedure-form', 'Transfusion or procedure', [proc, why, status, when], 'Add', async (form) => {
      const t = toFhirDateTime(when.input.value);
      if (!t) { setError(when, 'Enter a date and time.'); when.input.focus(); return; }
      if (status.input.value === 'completed' && new Date(t).getTime() > Date.now() + 60000) {
        setError(when, 'A procedure done cannot be in the future.'); when.input.focus(); return;
      }
      const p = {
        resourceType: 'Procedure', status: status.input.value,
        code: {coding: [{system: inp.systems.procedure, code: proc.input.value}], text: proc.input.selectedOptions[0].textContent},
        subject: {reference: 'Patient/' + id}, performedDateTime: t,
      };
      if (why.input.value) p.reasonCode = [{coding: [{system: inp.systems.procedure, code: why.input.value}]}];
      const r = await api('POST', '/api/patients/' + encodeURIComponent(id) + '/procedures', p);
      if (r.status === 201) {
        formMessage(form, 'Added: ' + proc.input.selectedOptions[0].textContent + '.', true);
        announce('Procedure added; report updated');
        await refreshRecord(id);
        return;
      }
      showServerErrors(form, r, [['code', proc], ['reasonCode', why], ['status', status], ['performedDateTime', when]]);
    });
  }

  // What is stored, newest first: one line per resource.
  function recordSection(bundle) {
    const entries = (bundle.entry || []).slice(1).map((e) => e.resource || {});
    const line = (r) => {
      const code = r.code || r.medicationCodeableConcept || {};
      const name = code.text || ((code.coding || [])[0] || {}).display || ((code.coding || [])[0] || {}).code || r.resourceType;
      const when = r.effectiveDateTime || (r.effectivePeriod || {}).start || r.performedDateTime || r.recordedDate || r.authoredOn || '';
      let value = '';
      if (r.valueQuantity) value = r.valueQuantity.value + ' ' + unitText(r.valueQuantity.code || r.valueQuantity.unit);
      else if (r.valueBoolean !== undefined) value = r.valueBoolean ? 'yes' : 'no';
      else if (r.valueInteger !== undefined) value = 'grade ' + r.valueInteger;
      else if (r.valueCodeableConcept) value = words(((r.valueCodeableConcept.coding || [])[0] || {}).code);
      const dose = r.dosage && r.dosage[0] && r.dosage[0].doseAndRate && r.dosage[0].doseAndRate[0].doseQuantity;
      if (dose) value = dose.value + ' ' + (dose.unit || 'mg');
      return {when, text: words(name) + (value ? ': ' + value : ''), type: r.resourceType};
    };
    const lines = entries.map(line).sort((a, b) => (b.when || '').localeCompare(a.when || ''));
    return h('details', {class: 'card', id: 'record'},
      h('summary', {}, 'Record (' + entries.length + ' entr' + (entries.length === 1 ? 'y' : 'ies') + ')'),
      lines.length ? h('ul', {class: 'record'}, lines.map((l) => h('li', {}, h('span', {class: 'muted'}, fmtTime(l.when) + ' · ' + l.type + ' · '), l.text))) :
        h('p', {class: 'muted'}, 'Nothing recorded yet.'));
  }

  function dangerZone(id) {
    const button = h('button', {type: 'button', class: 'danger'}, 'Delete this patient');
    button.addEventListener('click', async () => {
      if (!window.confirm('Delete this patient and every entry of its record? The audit log keeps its entries.')) return;
      const r = await api('DELETE', '/api/patients/' + encodeURIComponent(id));
      if (r.status === 204) {
        announce('Patient deleted');
        location.hash = '#/patients';
      } else {
        announce('Not deleted (' + r.status + ')');
      }
    });
    return h('div', {class: 'card'}, h('h3', {}, 'Delete'), button);
  }

  // ---- routing -------------------------------------------------------------------------

  async function route() {
    const hash = location.hash || '#/patients';
    const m = hash.match(/^#\/patients\/([^/]+)$/);
    try {
      if (m) {
        const id = decodeURIComponent(m[1]);
        if (!ID_RE.test(id)) {
          location.replace('#/patients');
          return;
        }
        if (!state.patient || state.patient.id !== id) state.reportQuery = '';
        await showPatient(id);
        return;
      }
      if (hash !== '#/patients') {
        location.replace('#/patients');
        return;
      }
      await showList();
    } catch (e) {
      const main = clear(document.getElementById('main'));
      main.appendChild(h('p', {class: 'card bad', role: 'alert'}, 'Something went wrong: ' + e.message));
    }
  }

  window.addEventListener('hashchange', route);
  window.kheApp = {state};  // for tests: the last report shown
  route();
}());
