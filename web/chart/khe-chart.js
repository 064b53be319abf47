/*
 * khe-chart.js — the course chart of a khe-cds report.
 *
 * A plain browser script (no bundler, no network): load Chart.js 4 (UMD build, global
 * `Chart`) first, then this file, then call
 *
 *     KheChart.render(containerElement, report)
 *
 * where `report` is the parsed JSON report of `khe evaluate --format json` (keys
 * `timeline`, `therapy`, `response.therapy_start`, `provenance.as_of`). It draws stacked
 * panels that share one time axis: platelets, fibrinogen, hemoglobin, D-dimer, sirolimus
 * trough and the medication/event gantt. Panels without data are replaced by a one-line
 * note. The drawing is done by Chart.js; this file only maps the report onto datasets.
 *
 * Every Chart object is kept in `KheChart.instances` (tests inspect their datasets).
 * Each dataset carries `khe` metadata: {kind, analyte, ...} where kind is one of
 * series, series-confounded, threshold, band-low, band-high, event, therapy, model-curve,
 * model-projection (the sirolimus model's predicted concentrations, from
 * `sirolimus_trough.model_based.estimate.curve`).
 *
 * `KheChart.renderKaplanMeier(container, endpoint)` draws the Kaplan-Meier curves of one
 * endpoint of `khe cohort` (its JSON; see the function below and docs/cohort.md).
 *
 * The writer makes no clinical decision: thresholds, bands and confounding all come from
 * the report. Times are shown as UTC dates so that every viewer sees the same chart.
 */
(function (global) {
  'use strict';

  var DAY_MS = 86400000;
  var WIDTH_PX = 640; // ~17 cm at 96 px/in: fits A4 and Letter with 15 mm margins
  var AXIS_WIDTH_PX = 92; // every panel's y axis has this width, so the time axes align
  var COLORS = {
    // Okabe-Ito palette (colour-blind safe)
    platelets: '#0072B2',
    fibrinogen: '#D55E00',
    hemoglobin: '#CC79A7',
    ddimer: '#E69F00',
    sirolimus_level: '#009E73',
    model: '#4d4d4d',
    other: '#56B4E9',
    confounded: '#9e9e9e',
    severe: '#b00020',
    threshold: '#555555',
    band: 'rgba(0, 158, 115, 0.14)',
    bandEdge: 'rgba(0, 158, 115, 0.55)',
    kmpDrug: '#0072B2',
    otherDrug: '#8c8c8c',
    event: '#b00020',
    day0: '#222222',
    asOf: '#6a1b9a'
  };

  // Panels in drawing order. `analytes` lists the series names each panel takes.
  var PANELS = [
    {id: 'platelets', title: 'Platelets', analytes: ['platelets'], height: 210,
     empty: 'No platelet count recorded', events: ['platelet-transfusion']},
    {id: 'fibrinogen', title: 'Fibrinogen', analytes: ['fibrinogen'], height: 140,
     empty: 'No fibrinogen recorded',
     events: ['plasma-transfusion', 'cryoprecipitate-transfusion', 'fibrinogen-concentrate']},
    {id: 'hemoglobin', title: 'Hemoglobin', analytes: ['hemoglobin'], height: 120,
     empty: 'No hemoglobin recorded', events: ['red-cell-transfusion']},
    {id: 'ddimer', title: 'D-dimer',
     analytes: ['ddimer_feu', 'd_dimer_feu', 'ddimer_ddu', 'd_dimer_ddu'], height: 120,
     empty: 'No D-dimer recorded', events: [], splitByUnit: true},
    {id: 'sirolimus_level', title: 'Sirolimus trough', analytes: ['sirolimus_level'],
     height: 140, empty: 'No sirolimus level recorded', events: [], bands: true, model: true}
  ];

  var EVENT_LABELS = {
    'platelet-transfusion': 'Platelet transfusion',
    'plasma-transfusion': 'Plasma transfusion',
    'cryoprecipitate-transfusion': 'Cryoprecipitate',
    'fibrinogen-concentrate': 'Fibrinogen concentrate',
    'red-cell-transfusion': 'Red-cell transfusion',
    'surgical-resection': 'Surgical resection',
    'biopsy': 'Biopsy',
    'embolization': 'Embolization'
  };

  var UNIT_LABELS = {
    '10*9/L': '\u00d710\u2079/L',
    '10*3/uL': '\u00d710\u00b3/\u00b5L',
    'ug/mL': '\u00b5g/mL',
    'ug/L': '\u00b5g/L'
  };

  // ---- small helpers ----------------------------------------------------------------

  function ms(text) {
    if (typeof text !== 'string' || text === '') return null;
    var t = Date.parse(text); // "YYYY-MM-DD" parses as UTC midnight
    return isNaN(t) ? null : t;
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  function isoDate(t) {
    var d = new Date(t);
    return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate());
  }

  function isoMinute(t) {
    var d = new Date(t);
    return isoDate(t) + ' ' + pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ' UTC';
  }

  function unitLabel(unit, analyte) {
    var u = UNIT_LABELS[unit] || unit || '';
    if (/feu/i.test(analyte || '') && !/FEU/.test(u)) u += ' FEU';
    if (/ddu/i.test(analyte || '') && !/DDU/.test(u)) u += ' DDU';
    return u;
  }

  function fmt(v) {
    if (typeof v !== 'number' || !isFinite(v)) return String(v);
    var a = Math.abs(v);
    var digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
    return String(Number(v.toFixed(digits)));
  }

  function humanize(id) {
    var s = String(id || '').replace(/[_-]+/g, ' ');
    return s.charAt(0).toUpperCase() + s.slice(1);
  }

  function arr(x) { return Array.isArray(x) ? x : []; }

  // An episode that counts for therapy start (§8): KMP-directed under the active profile.
  function kmpDirected(ep) { return !!(ep.kmp_directed || ep.counts_for_therapy_start); }

  function note(container, text) {
    var p = document.createElement('p');
    p.className = 'khe-chart-note';
    p.textContent = text;
    container.appendChild(p);
    return p;
  }

  // ---- time axis --------------------------------------------------------------------

  // The shared range: every point, episode, event and band, plus as-of, with a margin.
  function timeRange(report, asOf) {
    var lo = Infinity, hi = -Infinity;
    function take(t) { if (t !== null) { lo = Math.min(lo, t); hi = Math.max(hi, t); } }
    var tl = report.timeline || {};
    arr(tl.series).forEach(function (s) {
      arr(s.points).forEach(function (p) { take(ms(p.time)); });
    });
    arr(tl.events).forEach(function (e) { take(ms(e.time)); });
    arr(report.therapy).forEach(function (ep) {
      take(ms(ep.start));
      take(ms(ep.end));
    });
    if (lo === Infinity) return null;
    // The model's projection may run past as-of: the chart shows it (not its past, which
    // lies inside the series' span anyway).
    arr(modelCurve(report)).forEach(function (p) { if (p.projected) take(ms(p.time)); });
    take(asOf);
    var margin = Math.max((hi - lo) * 0.03, DAY_MS / 2);
    return {min: lo - margin, max: hi + margin};
  }

  // Day ticks at UTC midnight, stepped so that at most ~8 fit, aligned to day 0 when known.
  function dayTicks(range, day0) {
    var spanDays = (range.max - range.min) / DAY_MS;
    var steps = [1, 2, 7, 14, 28, 56, 91, 182, 364, 728];
    var step = steps[steps.length - 1];
    for (var i = 0; i < steps.length; i++) {
      if (spanDays / steps[i] <= 8) { step = steps[i]; break; }
    }
    var anchor = day0 !== null ? Math.floor(day0 / DAY_MS) * DAY_MS
                               : Math.ceil(range.min / DAY_MS) * DAY_MS;
    var first = anchor + Math.ceil((range.min - anchor) / (step * DAY_MS)) * step * DAY_MS;
    var ticks = [];
    for (var t = first; t <= range.max; t += step * DAY_MS) ticks.push({value: t});
    return ticks;
  }

  function xScale(range, ticks, day0, showDay) {
    return {
      type: 'linear',
      min: range.min,
      max: range.max,
      afterBuildTicks: function (scale) { scale.ticks = ticks.slice(); },
      ticks: {
        autoSkip: false,
        maxRotation: 0,
        font: {size: 9},
        callback: function (value) {
          var label = isoDate(value);
          if (!showDay || day0 === null) return label;
          return [label, 'day ' + Math.round((value - Math.floor(day0 / DAY_MS) * DAY_MS) / DAY_MS)];
        }
      },
      grid: {color: '#e4e4e4'}
    };
  }

  function fixedWidth(scale) { scale.width = AXIS_WIDTH_PX; }

  // Chart.js takes a legend symbol from the first point; a series' symbol is its plain
  // circle whatever its first point is. A panel with comparator values explains them.
  function legendLabels(chart) {
    var items = global.Chart.defaults.plugins.legend.labels.generateLabels(chart);
    var comparator = false;
    items.forEach(function (item) {
      var ds = chart.data.datasets[item.datasetIndex];
      if (!ds || !ds.khe) return;
      if (ds.khe.kind === 'series' || ds.khe.kind === 'series-confounded') {
        item.pointStyle = 'circle';
        item.rotation = 0;
        comparator = comparator || ds.data.some(function (p) { return !!p.comparator; });
      }
    });
    if (comparator) {
      items.push({text: 'reported as below (\u25bc <) or above (\u25b2 >) a limit',
                  fillStyle: '#ffffff', strokeStyle: '#333333', lineWidth: 1,
                  pointStyle: 'triangle', rotation: 180, hidden: false,
                  datasetIndex: undefined});
    }
    return items;
  }

  function legendClick(e, item, legend) {
    if (typeof item.datasetIndex !== 'number') return;
    global.Chart.defaults.plugins.legend.onClick.call(this, e, item, legend);
  }

  // Legend items in dataset order; items that stand for no dataset go last.
  function legendRank(item) {
    return typeof item.datasetIndex === 'number' ? item.datasetIndex : 1e6;
  }

  // ---- plugins (registered per chart, never globally) ------------------------------

  // Vertical lines at day 0 and at as-of (under the data), labelled when `labels` is set.
  var markerPlugin = {
    id: 'kheMarkers',
    beforeDatasetsDraw: function (chart, args, opts) {
      var area = chart.chartArea, x = chart.scales.x, ctx = chart.ctx;
      arr(opts.markers).forEach(function (m) {
        var px = x.getPixelForValue(m.x);
        if (px < area.left - 0.5 || px > area.right + 0.5) return;
        ctx.save();
        ctx.strokeStyle = m.color;
        ctx.lineWidth = 1.2;
        ctx.setLineDash(m.dash || []);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        if (opts.labels) {
          ctx.setLineDash([]);
          ctx.font = '9px sans-serif';
          ctx.textBaseline = 'top';
          var right = px > area.right - 60;
          var w = ctx.measureText(m.label).width + 4;
          var left = right ? px - 2 - w : px + 2;
          ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
          ctx.fillRect(left, area.top + 1, w, 11);
          ctx.fillStyle = m.color;
          ctx.textAlign = 'left';
          ctx.fillText(m.label, left + 2, area.top + 2);
        }
        ctx.restore();
      });
    }
  };

  // Writes each dose step's text inside its bar when it fits (tooltips do not print).
  var barLabelPlugin = {
    id: 'kheBarLabels',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, di) {
        if (!ds.khe || ds.khe.kind !== 'therapy') return;
        var meta = chart.getDatasetMeta(di);
        meta.data.forEach(function (bar, i) {
          var text = ds.data[i].khe.label;
          if (!text) return;
          var p = bar.getProps(['x', 'y', 'base', 'height'], true);
          var left = Math.min(p.x, p.base), width = Math.abs(p.x - p.base);
          ctx.save();
          ctx.font = '9px sans-serif';
          if (ctx.measureText(text).width + 6 <= width) {
            ctx.fillStyle = '#ffffff';
            ctx.textBaseline = 'middle';
            ctx.textAlign = 'left';
            ctx.fillText(text, left + 3, p.y);
          }
          ctx.restore();
        });
      });
    }
  };

  // ---- datasets ---------------------------------------------------------------------

  // The model-based estimate's predicted concentrations (sirolimus_trough.model_based), or
  // null when the report has none.
  function modelBased(report) {
    var t = report.sirolimus_trough;
    return t && t.model_based && t.model_based.estimate ? t.model_based : null;
  }

  function modelCurve(report) {
    var mb = modelBased(report);
    return mb ? arr(mb.estimate.curve) : [];
  }

  // Two lines: the individual prediction up to as-of (solid), and the projection under the
  // recommended (else current) dose after it (dashed). No points: a curve, not data.
  function modelCurveDatasets(report) {
    var mb = modelBased(report);
    if (!mb) return [];
    var past = [], projected = [];
    arr(mb.estimate.curve).forEach(function (p) {
      var t = ms(p.time);
      if (t === null || typeof p.ng_per_mL !== 'number') return;
      (p.projected ? projected : past).push({x: t, y: p.ng_per_mL});
    });
    if (past.length && projected.length) projected.unshift(past[past.length - 1]);
    var model = mb.estimate.model || 'model';
    var note = mb.used_for_dose ? '' : ' (not used for the dose)';
    var out = [];
    if (past.length) {
      out.push({type: 'line', label: 'Predicted, ' + model + note, data: past,
                borderColor: COLORS.model, backgroundColor: COLORS.model, borderWidth: 1,
                pointRadius: 0, tension: 0, order: 2,
                khe: {kind: 'model-curve', model: model, usedForDose: !!mb.used_for_dose}});
    }
    if (projected.length) {
      var rec = mb.estimate.recommendation;
      var label = rec ? 'Projected at ' + fmt(rec.dose_mg) + ' mg every ' + fmt(rec.interval_h) +
                        ' h' : 'Projected at the current dose';
      out.push({type: 'line', label: label + note, data: projected,
                borderColor: COLORS.model, backgroundColor: COLORS.model, borderWidth: 1,
                borderDash: [4, 3], pointRadius: 0, tension: 0, order: 2,
                khe: {kind: 'model-projection', model: model, usedForDose: !!mb.used_for_dose}});
    }
    return out;
  }

  function seriesDatasets(series, color) {
    var label = (series.label || humanize(series.analyte));
    var plain = [], confounded = [];
    arr(series.points).forEach(function (p) {
      var t = ms(p.time);
      if (t === null || typeof p.value !== 'number') return;
      var point = {x: t, y: p.value, comparator: p.comparator || null};
      (p.confounded ? confounded : plain).push(point);
    });
    function style(ctx, normal) {
      var raw = ctx.raw || {};
      if (raw.comparator === '<' || raw.comparator === '<=') return 'triangle';
      if (raw.comparator) return 'triangle';
      return normal;
    }
    function rotation(ctx) {
      var raw = ctx.raw || {};
      return raw.comparator === '<' || raw.comparator === '<=' ? 180 : 0;
    }
    var out = [{
      type: 'line',
      label: label,
      data: plain,
      borderColor: color,
      backgroundColor: color,
      borderWidth: 1.6,
      pointRadius: function (ctx) {
        return (ctx.raw || {}).comparator ? 5 : plain.length > 60 ? 2 : 3;
      },
      pointStyle: function (ctx) { return style(ctx, 'circle'); },
      rotation: rotation,
      tension: 0,
      order: 1,
      khe: {kind: 'series', analyte: series.analyte, unit: series.unit}
    }];
    if (confounded.length > 0) {
      out.push({
        type: 'line',
        label: label + ' after transfusion (confounded)',
        data: confounded,
        showLine: false,
        borderColor: COLORS.confounded,
        backgroundColor: '#ffffff',
        borderWidth: 1.5,
        pointRadius: 4,
        pointStyle: function (ctx) { return style(ctx, 'circle'); },
        rotation: rotation,
        order: 0,
        khe: {kind: 'series-confounded', analyte: series.analyte, unit: series.unit}
      });
    }
    return out;
  }

  function thresholdDataset(th, range, unit) {
    var severe = th.meaning === 'severe';
    return {
      type: 'line',
      label: fmt(th.value) + ' ' + unitLabel(unit, th.analyte) + ' ' + th.meaning +
             (th.rule_id ? ' (' + th.rule_id + ')' : ''),
      data: [{x: range.min, y: th.value}, {x: range.max, y: th.value}],
      borderColor: severe ? COLORS.severe : COLORS.threshold,
      borderWidth: 1,
      borderDash: severe ? [2, 3] : [6, 4],
      pointStyle: 'line',
      pointRadius: 0,
      pointHoverRadius: 0,
      order: 5,
      khe: {kind: 'threshold', analyte: th.analyte, value: th.value, meaning: th.meaning,
            rule_id: th.rule_id || null}
    };
  }

  function bandDatasets(bands, range) {
    var out = [];
    bands.forEach(function (b, i) {
      var from = Math.max(ms(b.from), range.min), to = Math.min(ms(b.to), range.max);
      if (!(to > from)) return;
      var meta = {phase: b.phase || null, rule_id: b.rule_id || null, low: b.low, high: b.high};
      var label = 'Target ' + fmt(b.low) + '\u2013' + fmt(b.high) + ' ng/mL' +
                  (b.phase ? ' (' + b.phase.replace(/_/g, ' ') + ')' : '') +
                  (b.rule_id ? ' ' + b.rule_id : '');
      out.push({
        type: 'line', label: label + ' low', data: [{x: from, y: b.low}, {x: to, y: b.low}],
        borderColor: COLORS.bandEdge, borderWidth: 1, pointRadius: 0, pointHoverRadius: 0,
        pointStyle: 'rect', fill: false, order: 6, khe: Object.assign({kind: 'band-low', band: i}, meta)
      });
      out.push({
        type: 'line', label: label, data: [{x: from, y: b.high}, {x: to, y: b.high}],
        borderColor: COLORS.bandEdge, backgroundColor: COLORS.band, borderWidth: 1,
        pointRadius: 0, pointHoverRadius: 0, pointStyle: 'rect', fill: '-1', order: 6,
        khe: Object.assign({kind: 'band-high', band: i}, meta)
      });
    });
    return out;
  }

  // Markers of transfusions and procedures: one dataset per code, each with its own
  // marker shape, so that the printed chart tells them apart without tooltips.
  var EVENT_STYLES = {
    'platelet-transfusion': {pointStyle: 'triangle', color: '#b00020'},
    'plasma-transfusion': {pointStyle: 'rect', color: '#e65100'},
    'cryoprecipitate-transfusion': {pointStyle: 'rectRot', color: '#e65100'},
    'fibrinogen-concentrate': {pointStyle: 'rectRounded', color: '#bf360c'},
    'red-cell-transfusion': {pointStyle: 'circle', color: '#880e4f'},
    'surgical-resection': {pointStyle: 'crossRot', color: '#263238'},
    'biopsy': {pointStyle: 'cross', color: '#263238'},
    'embolization': {pointStyle: 'star', color: '#263238'}
  };

  function eventDatasets(events, codes, y) {
    var byCode = {}, order = [];
    events.forEach(function (e) {
      var t = ms(e.time);
      if (t === null || (codes !== null && codes.indexOf(e.code) < 0)) return;
      if (!byCode[e.code]) { byCode[e.code] = []; order.push(e.code); }
      byCode[e.code].push({x: t, y: y, code: e.code});
    });
    return order.map(function (code) {
      var st = EVENT_STYLES[code] || {pointStyle: 'star', color: '#263238'};
      return {
        type: 'line', label: EVENT_LABELS[code] || humanize(code), data: byCode[code],
        showLine: false, pointStyle: st.pointStyle, pointRadius: 6, pointHoverRadius: 7,
        borderColor: st.color, backgroundColor: st.color, borderWidth: 1.5, clip: false,
        order: 0, indexAxis: 'x', khe: {kind: 'event', code: code}
      };
    });
  }

  // ---- chart construction ----------------------------------------------------------

  function baseOptions(title, range, ticks, day0, showDay, markers, markerLabels) {
    return {
      responsive: false,
      animation: false,
      devicePixelRatio: 2, // crisp when printed
      layout: {padding: {right: 8}},
      interaction: {mode: 'nearest', intersect: true},
      scales: {x: xScale(range, ticks, day0, showDay)},
      plugins: {
        title: {display: true, text: title, align: 'start', font: {size: 11, weight: 'bold'},
                padding: {top: 2, bottom: 2}},
        legend: {
          position: 'top', align: 'end', onClick: legendClick,
          labels: {boxHeight: 6, font: {size: 9}, usePointStyle: true, padding: 8,
                   generateLabels: legendLabels,
                   sort: function (a, b) { return legendRank(a) - legendRank(b); },
                   filter: function (item, data) {
                     var ds = data.datasets[item.datasetIndex];
                     return !(ds && ds.khe && (ds.khe.kind === 'band-low' ||
                                               ds.khe.kind === 'therapy'));
                   }}
        },
        tooltip: {
          callbacks: {
            title: function (items) { return items.length ? isoMinute(items[0].parsed.x) : ''; },
            label: function (item) {
              var ds = item.dataset, raw = item.raw || {};
              if (ds.khe && ds.khe.kind === 'event') return EVENT_LABELS[raw.code] || raw.code;
              if (ds.khe && ds.khe.kind === 'therapy') return raw.khe.tooltip;
              return ds.label + ': ' + (raw.comparator || '') + fmt(raw.y);
            }
          }
        },
        kheMarkers: {markers: markers, labels: markerLabels}
      }
    };
  }

  function makeCanvas(container, panelId, height) {
    var wrap = document.createElement('div');
    wrap.className = 'khe-chart-panel';
    wrap.setAttribute('data-panel', panelId);
    var canvas = document.createElement('canvas');
    canvas.width = WIDTH_PX;
    canvas.height = height;
    canvas.setAttribute('role', 'img');
    wrap.appendChild(canvas);
    container.appendChild(wrap);
    return canvas;
  }

  function addChart(container, panelId, height, config, ariaLabel) {
    var canvas = makeCanvas(container, panelId, height);
    canvas.setAttribute('aria-label', ariaLabel);
    config.plugins = [markerPlugin, barLabelPlugin];
    var chart = new global.Chart(canvas, config);
    chart.khePanel = panelId;
    chart.kheContainer = container;
    KheChart.instances.push(chart);
    return chart;
  }

  function valuePanel(container, ctx, panel, seriesList, isFirst) {
    var tl = ctx.timeline;
    var datasets = [];
    var units = [];
    seriesList.forEach(function (s) {
      var color = COLORS[panel.id === 'ddimer' ? 'ddimer' : s.analyte] || COLORS.other;
      datasets = datasets.concat(seriesDatasets(s, color));
      if (units.indexOf(s.unit) < 0) units.push(s.unit);
    });
    var analytes = seriesList.map(function (s) { return s.analyte; });
    arr(tl.thresholds).forEach(function (th) {
      if (analytes.indexOf(th.analyte) >= 0) {
        datasets.push(thresholdDataset(th, ctx.range, seriesList[0].unit));
      }
    });
    if (panel.bands) datasets = datasets.concat(bandDatasets(arr(tl.target_bands), ctx.range));
    if (panel.model) datasets = datasets.concat(modelCurveDatasets(ctx.report));
    if (panel.events.length) {
      datasets = datasets.concat(eventDatasets(arr(tl.events), panel.events, 0));
    }

    var unitText = units.map(function (u) { return unitLabel(u, analytes[0]); }).join(', ');
    var title = panel.title + (unitText ? ' (' + unitText + ')' : '');
    var options = baseOptions(title, ctx.range, ctx.ticks, ctx.day0, false, ctx.markers, isFirst);
    options.scales.y = {
      type: 'linear',
      beginAtZero: true,
      grace: '4%',
      afterFit: fixedWidth,
      ticks: {font: {size: 9}, maxTicksLimit: 6},
      title: {display: true, text: unitText, font: {size: 9}},
      grid: {color: '#eeeeee'}
    };
    return addChart(container, panel.id, panel.height, {type: 'line', data: {datasets: datasets},
                    options: options}, title);
  }

  function doseText(step) {
    var parts = [];
    if (typeof step.dose_mg === 'number') parts.push(fmt(step.dose_mg) + ' mg');
    if (typeof step.interval_h === 'number') parts.push('q' + fmt(step.interval_h) + 'h');
    return parts.join(' ');
  }

  function therapyPanel(container, ctx, isFirst) {
    var episodes = arr(ctx.report.therapy).filter(function (ep) { return ms(ep.start) !== null; });
    var events = arr(ctx.timeline.events).filter(function (e) { return ms(e.time) !== null; });
    if (episodes.length === 0 && events.length === 0) return null;
    var drugs = [];
    episodes.forEach(function (ep) { if (drugs.indexOf(ep.drug) < 0) drugs.push(ep.drug); });
    var rows = drugs.map(humanize);
    var transfusions = events.filter(function (e) {
      return /transfusion|concentrate/.test(e.code);
    }).length;
    var eventRow = transfusions === events.length ? 'Transfusions'
                 : transfusions === 0 ? 'Procedures' : 'Events';
    if (events.length) rows.push(eventRow);

    var datasets = drugs.map(function (drug) {
      var bars = [], kmp = false;
      episodes.forEach(function (ep, epIndex) {
        if (ep.drug !== drug) return;
        kmp = kmp || kmpDirected(ep);
        var start = ms(ep.start);
        var end = ms(ep.end);
        var ongoing = end === null;
        if (ongoing) end = Math.max(ctx.asOf !== null ? ctx.asOf : start, start);
        var steps = arr(ep.doses).filter(function (d) { return ms(d.time) !== null; });
        if (steps.length === 0) steps = [{time: ep.start}];
        steps.forEach(function (step, i) {
          var from = Math.max(ms(step.time), start);
          var to = i + 1 < steps.length ? ms(steps[i + 1].time) : end;
          to = Math.min(Math.max(to, from), end);
          var text = doseText(step);
          var tip = humanize(drug) + (text ? ' ' + text : '') + ': ' + isoDate(from) + ' \u2192 ' +
                    (ongoing && i + 1 === steps.length ? 'ongoing' : isoDate(to));
          bars.push({x: [from, Math.max(to, from + DAY_MS / 4)], y: humanize(drug),
                     khe: {episode: epIndex, step: i, label: text, tooltip: tip}});
        });
      });
      var color = kmp ? COLORS.kmpDrug : COLORS.otherDrug;
      return {
        type: 'bar', label: humanize(drug), data: bars, backgroundColor: color,
        borderColor: '#ffffff', borderWidth: {left: 1, right: 1, top: 0, bottom: 0},
        borderSkipped: false, grouped: false, barPercentage: 0.9, categoryPercentage: 0.8,
        khe: {kind: 'therapy', drug: drug, kmp_directed: kmp,
              episodes: episodes.filter(function (ep) { return ep.drug === drug; }).length}
      };
    });
    datasets = datasets.concat(eventDatasets(events, null, eventRow));
    var title = 'Medication and transfusions';
    var options = baseOptions(title, ctx.range, ctx.ticks, ctx.day0, true, ctx.markers, isFirst);
    options.indexAxis = 'y';
    options.scales.y = {type: 'category', labels: rows, offset: true, afterFit: fixedWidth,
                        ticks: {font: {size: 9}, autoSkip: false}, grid: {display: false}};
    options.plugins.legend.display = events.length > 0; // event shapes; bars are labelled
    return addChart(container, 'therapy', (events.length ? 62 : 42) + 26 * rows.length + 16,
                    {type: 'bar', data: {datasets: datasets}, options: options}, title);
  }

  // ---- Kaplan-Meier plot (khe cohort --format html) ---------------------------------

  // Okabe-Ito, one colour per group in the order given.
  var GROUP_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9',
                      '#000000', '#F0E442'];
  var KM_HEIGHT_PX = 300;

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ', ' + ((n >> 8) & 255) + ', ' + (n & 255) + ', ' + a +
           ')';
  }

  function pct(v) { return String(Number((100 * v).toFixed(1))) + '%'; }

  // S(t) of a group just after time t (1 before the first event).
  function survivalAt(steps, t) {
    var s = 1;
    steps.forEach(function (st) { if (st.time <= t) s = st.survival; });
    return s;
  }

  // The datasets of one group: the curve, its pointwise band (two stepped lines filled
  // between) and the censoring ticks. `y` maps S(t) to the plotted value.
  function kmGroupDatasets(g, index, y, showCi) {
    var color = GROUP_COLORS[index % GROUP_COLORS.length];
    var steps = arr(g.steps).filter(function (s) { return typeof s.time === 'number'; });
    var censored = arr(g.censored_at).filter(function (c) { return typeof c.time === 'number'; });
    var last = 0;
    steps.forEach(function (s) { last = Math.max(last, s.time); });
    censored.forEach(function (c) { last = Math.max(last, c.time); });
    var curve = [{x: 0, y: y(1), khe: {at_risk: g.n, events: 0}}];
    var low = [{x: 0, y: y(1)}], high = [{x: 0, y: y(1)}];
    steps.forEach(function (s) {
      curve.push({x: s.time, y: y(s.survival), khe: {at_risk: s.at_risk, events: s.events}});
      var a = y(s.ci_low), b = y(s.ci_high);
      low.push({x: s.time, y: Math.min(a, b)});
      high.push({x: s.time, y: Math.max(a, b)});
    });
    var end = steps.length ? steps[steps.length - 1] : null;
    if (last > (end ? end.time : 0)) {
      // The curve runs on, flat, to the last follow-up.
      curve.push({x: last, y: curve[curve.length - 1].y, khe: {tail: true}});
      low.push({x: last, y: low[low.length - 1].y});
      high.push({x: last, y: high[high.length - 1].y});
    }
    var label = String(g.group) + ' (n=' + g.n + ')';
    var out = [{
      type: 'line', label: label, data: curve, stepped: 'before', borderColor: color,
      backgroundColor: color, borderWidth: 2, pointRadius: 0, pointHitRadius: 6, fill: false,
      order: 1, khe: {kind: 'km', group: g.group, n: g.n, events: g.events, median: g.median}
    }];
    if (showCi && steps.length) {
      out.push({type: 'line', label: label + ' CI low', data: low, stepped: 'before',
                borderColor: alpha(color, 0.35), borderWidth: 1, borderDash: [3, 3],
                pointRadius: 0, fill: false, order: 3, khe: {kind: 'km-ci-low', group: g.group}});
      out.push({type: 'line', label: label + ' CI high', data: high, stepped: 'before',
                borderColor: alpha(color, 0.35), borderWidth: 1, borderDash: [3, 3],
                backgroundColor: alpha(color, 0.10), pointRadius: 0, fill: '-1', order: 3,
                khe: {kind: 'km-ci-high', group: g.group}});
    }
    if (censored.length) {
      out.push({type: 'scatter', label: label + ' censored',
                data: censored.map(function (c) {
                  return {x: c.time, y: y(survivalAt(steps, c.time)), khe: {n: c.n}};
                }),
                pointStyle: 'line', rotation: 90, pointRadius: 5, borderWidth: 1.5,
                borderColor: color, backgroundColor: color, order: 0,
                khe: {kind: 'km-censored', group: g.group}});
    }
    return out;
  }

  // Draws the Kaplan-Meier curves of one endpoint of `khe cohort` into `container`.
  // `data`: {endpoint, label, plot: "cumulative" | "survival", confidence, groups: [{group,
  // n, events, median, steps: [{time, at_risk, events, survival, ci_low, ci_high}],
  // censored_at: [{time, n}]}]} (the JSON of khe cohort; times in days from day 0).
  // "cumulative" plots 1 - S(t), the share with the event by day t (the event of a
  // time-to-response endpoint is the response); "survival" plots S(t). Curves are step
  // functions, censoring is marked with ticks, the pointwise interval is a shaded band and
  // a dashed line marks 50% (where the median is read). `options.showCi` (default true).
  // Returns {groups: [...group names drawn], notes: [...texts]}.
  function renderKaplanMeier(container, data, options) {
    KheChart.destroy(container);
    container.classList.add('khe-chart');
    var result = {groups: [], notes: []};
    if (typeof global.Chart !== 'function') {
      result.notes.push(note(container, 'The plot needs Chart.js, which is missing.').textContent);
      return result;
    }
    data = data || {};
    options = options || {};
    var showCi = options.showCi !== false;
    var cumulative = data.plot === 'cumulative';
    var y = cumulative ? function (s) { return 1 - s; } : function (s) { return s; };
    var groups = arr(data.groups).filter(function (g) { return g && g.n > 0; });
    if (groups.length === 0) {
      result.notes.push(note(container, 'No patient with an evaluable time to event.')
                            .textContent);
      return result;
    }
    var datasets = [];
    var xMax = 0;
    groups.forEach(function (g, i) {
      var ds = kmGroupDatasets(g, i, y, showCi);
      ds.forEach(function (d) { d.data.forEach(function (p) { xMax = Math.max(xMax, p.x); }); });
      datasets = datasets.concat(ds);
      result.groups.push(g.group);
    });
    if (xMax <= 0) xMax = 1;
    xMax = Math.ceil(xMax * 1.04); // room after the last step
    datasets.push({type: 'line', label: '50%', data: [{x: 0, y: 0.5}, {x: xMax, y: 0.5}],
                   borderColor: COLORS.threshold, borderWidth: 1, borderDash: [6, 4],
                   pointRadius: 0, fill: false, order: 4, khe: {kind: 'km-median-line'}});
    var yTitle = cumulative ? 'Cumulative proportion with the event' : 'Proportion without the event';
    if (data.endpoint === 'time_to_platelet_response') {
      yTitle = cumulative ? 'Responded (platelets)' : 'Not yet responded';
    }
    var title = (data.label || humanize(data.endpoint)) + ': Kaplan\u2013Meier' +
                (cumulative ? ' (1 \u2212 S(t))' : '');
    var canvas = makeCanvas(container, 'km', KM_HEIGHT_PX);
    canvas.setAttribute('aria-label', title);
    var chart = new global.Chart(canvas, {
      type: 'line',
      data: {datasets: datasets},
      options: {
        responsive: false,
        animation: false,
        devicePixelRatio: 2,
        layout: {padding: {right: 8}},
        interaction: {mode: 'nearest', intersect: false, axis: 'x'},
        scales: {
          x: {type: 'linear', min: 0, max: xMax, ticks: {font: {size: 9}},
              title: {display: true, text: 'Days from day 0', font: {size: 9}},
              grid: {color: '#eeeeee'}},
          y: {type: 'linear', min: 0, max: 1,
              ticks: {font: {size: 9}, stepSize: 0.25, callback: function (v) { return pct(v); }},
              title: {display: true, text: yTitle, font: {size: 9}}, grid: {color: '#eeeeee'}}
        },
        plugins: {
          title: {display: true, text: title, align: 'start', font: {size: 11, weight: 'bold'},
                  padding: {top: 2, bottom: 2}},
          legend: {position: 'top', align: 'end',
                   labels: {boxHeight: 6, font: {size: 9}, padding: 8,
                            filter: function (item, d) {
                              var ds = d.datasets[item.datasetIndex];
                              return !!(ds && ds.khe && (ds.khe.kind === 'km' ||
                                                         ds.khe.kind === 'km-median-line'));
                            }}},
          tooltip: {
            filter: function (item) {
              var k = item.dataset.khe || {};
              return k.kind === 'km' || k.kind === 'km-censored';
            },
            callbacks: {
              title: function (items) {
                return items.length ? 'Day ' + fmt(items[0].parsed.x) : '';
              },
              label: function (item) {
                var k = item.dataset.khe || {}, raw = (item.raw || {}).khe || {};
                if (k.kind === 'km-censored') return k.group + ': censored (' + raw.n + ')';
                var text = k.group + ': ' + pct(item.parsed.y);
                if (typeof raw.at_risk === 'number') {
                  text += ', at risk ' + raw.at_risk + ', events ' + raw.events;
                }
                return text;
              }
            }
          }
        }
      }
    });
    chart.khePanel = 'km';
    chart.kheContainer = container;
    KheChart.instances.push(chart);
    return result;
  }

  // ---- public API -------------------------------------------------------------------

  var KheChart = {
    instances: [],

    // The Kaplan-Meier plot of a cohort endpoint (see renderKaplanMeier above).
    renderKaplanMeier: function (container, data, options) {
      return renderKaplanMeier(container, data, options);
    },

    // Removes the charts this module drew into `container`.
    destroy: function (container) {
      KheChart.instances = KheChart.instances.filter(function (c) {
        if (c.kheContainer !== container) return true;
        c.destroy();
        return false;
      });
      while (container.firstChild) container.removeChild(container.firstChild);
    },

    // Draws the course chart of `report` into `container`; returns {panels, notes}.
    render: function (container, report) {
      KheChart.destroy(container);
      container.classList.add('khe-chart');
      var result = {panels: [], notes: []};
      if (typeof global.Chart !== 'function') {
        result.notes.push(note(container, 'The course chart needs Chart.js, which is missing.')
                              .textContent);
        return result;
      }
      report = report || {};
      var timeline = report.timeline || {};
      var asOf = ms((report.provenance || {}).as_of);
      var range = timeRange(report, asOf);
      if (range === null) {
        result.notes.push(note(container, 'No course data recorded up to the as-of time.')
                              .textContent);
        return result;
      }
      var day0 = ms((report.response || {}).therapy_start);
      if (day0 === null) {
        arr(report.therapy).forEach(function (ep) {
          var t = ms(ep.start);
          if (kmpDirected(ep) && t !== null && (day0 === null || t < day0)) day0 = t;
        });
      }
      var markers = [];
      if (day0 !== null) markers.push({x: day0, label: 'day 0', color: COLORS.day0, dash: [4, 3]});
      if (asOf !== null) markers.push({x: asOf, label: 'as of', color: COLORS.asOf, dash: [1, 2]});
      var ctx = {report: report, timeline: timeline, range: range, asOf: asOf, day0: day0,
                 markers: markers, ticks: dayTicks(range, day0)};

      var withData = arr(timeline.series).filter(function (s) {
        return arr(s.points).some(function (p) { return ms(p.time) !== null; });
      });
      var used = [];
      var drawn = 0;
      PANELS.forEach(function (panel) {
        var mine = withData.filter(function (s) { return panel.analytes.indexOf(s.analyte) >= 0; });
        mine.forEach(function (s) { used.push(s); });
        var groups = [mine];
        if (panel.splitByUnit && mine.length > 1) groups = mine.map(function (s) { return [s]; });
        if (mine.length === 0) {
          var hasBands = panel.bands && arr(timeline.target_bands).length > 0;
          if (!hasBands) {
            result.notes.push(note(container, panel.empty).textContent);
            return;
          }
          groups = [[{analyte: panel.analytes[0], unit: 'ng/mL', points: []}]];
          result.notes.push(note(container, panel.empty + ' (target band shown)').textContent);
        }
        groups.forEach(function (g) {
          valuePanel(container, ctx, panel, g, drawn === 0);
          result.panels.push(panel.id);
          drawn++;
        });
      });
      // Any other analyte the report charts gets its own panel.
      withData.forEach(function (s) {
        if (used.indexOf(s) >= 0) return;
        var panel = {id: s.analyte, title: s.label || humanize(s.analyte), height: 120,
                     events: [], analytes: [s.analyte]};
        valuePanel(container, ctx, panel, [s], drawn === 0);
        result.panels.push(s.analyte);
        drawn++;
      });
      if (therapyPanel(container, ctx, drawn === 0)) {
        result.panels.push('therapy');
      } else {
        result.notes.push(note(container, 'No medication or transfusion recorded').textContent);
      }
      return result;
    }
  };

  global.KheChart = KheChart;
})(typeof window !== 'undefined' ? window : this);
