// The explorer's view, one for both places it runs: render({model, el}) as anywidget calls it.
// In a live notebook the model is the kernel's (Python computes the paths and the readout);
// in the rendered book it is StaticModel below, which computes them with ENGINE. The view
// reads only the numbers and words its model gives it; nothing here is ever evaluated.
var LAB = (function (E) {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg", views = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function sv(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    setAttrs(node, attrs);
    return node;
  }
  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function copy(state) { return JSON.parse(JSON.stringify(state)); }

  // --- the words: every sentence is filled from the spec's templates (written in Python) -----
  function outcome(T, steps, losses, k) {
    return k >= 0 ? E.fill(T.diverged, {step: k})
      : E.fill(T.converged, {steps: steps, loss: E.formatG(losses[steps], 4)});
  }
  function sentence(spec, i, positions, said) {
    var T = spec.templates, entry = spec.entries[i];
    var settings = entry.sliders.map(function (s, j) {
      return E.fill(T.setting, {symbol: s.symbol, value: s.labels[positions[j]]});
    }).join(", ");
    if (spec.single) { return settings ? E.fill(T.settings, {settings: settings, outcome: said}) : said; }
    return settings ? E.fill(T.labelled, {label: entry.label, settings: settings, outcome: said})
      : E.fill(T.label_only, {label: entry.label, outcome: said});
  }
  function readoutOf(spec, state, paths) {
    var shown = paths.filter(function (p, i) { return !state.hidden[i]; })
      .map(function (p) { return p.text; });
    return shown.length ? shown.join(spec.templates.separator) : spec.templates.all_hidden;
  }

  // --- the static model: the spec, the state, and paths computed in the page --------------------
  function decode(blob) {
    var type = Object.keys(blob)[0], bytes = atob(blob[type]);
    var size = type === "int16" ? 2 : 4, view = new DataView(new ArrayBuffer(bytes.length));
    for (var i = 0; i < bytes.length; i++) { view.setUint8(i, bytes.charCodeAt(i)); }
    var out = new Array(bytes.length / size);
    for (var j = 0; j < out.length; j++) {
      out[j] = size === 2 ? view.getInt16(2 * j, true) : view.getInt32(4 * j, true);
    }
    return out;
  }
  // The gradient noise of a state: the noise slider's value (else the fixed noise), over the
  // square root of the batch slider's value if there is one (as Explorer.noise_at).
  function noiseOf(spec, state) {
    var sigma = spec.noise, batch = null;
    spec.shared.forEach(function (s, j) {
      if (s.name === "noise") { sigma = s.values[state.shared[j]]; }
      if (s.name === "batch") { batch = s.values[state.shared[j]]; }
    });
    return batch === null ? sigma : sigma / Math.sqrt(batch);
  }
  function objectiveOf(spec, name) {
    return spec.objectives.filter(function (o) { return o.name === name; })[0];
  }

  function StaticModel(spec) {
    this.attrs = {spec: spec, state: copy(spec.state)};
    this.handlers = {};
    this.draws = spec.draws ? decode(spec.draws) : null;
    this.entries = spec.entries.map(function (entry) {
      var prepared = {};
      if (entry.schedule) { prepared.factors = decode(entry.schedule.factors); }
      if (entry.grid) {
        prepared.points = decode(entry.grid.points);
        prepared.diverged = decode(entry.grid.diverged);
      }
      return prepared;
    });
    this.compute();
  }
  StaticModel.prototype.get = function (name) { return this.attrs[name]; };
  StaticModel.prototype.on = function (event, fn) {
    (this.handlers[event] = this.handlers[event] || []).push(fn);
  };
  StaticModel.prototype.off = function () { this.handlers = {}; };
  StaticModel.prototype.save_changes = function () {};
  // Setting the state computes paths and readout before anyone hears of it, so the view
  // draws once per event (a live model sends paths and readout later, as their own changes).
  StaticModel.prototype.set = function (name, value) {
    this.attrs[name] = value;
    if (name === "state") { this.compute(); }
    this.emit("change:" + name);
  };
  StaticModel.prototype.emit = function (event) {
    (this.handlers[event] || []).forEach(function (fn) { fn(); });
  };
  StaticModel.prototype.compute = function () {
    var spec = this.attrs.spec, state = this.attrs.state, self = this;
    var objective = objectiveOf(spec, state.objective);
    this.attrs.paths = spec.entries.map(function (entry, i) {
      var positions = state.positions[i], prepared = self.entries[i], path;
      if (entry.engine) {
        path = self.runEngine(entry, prepared, positions, state, objective);
      } else {
        path = self.fromGrid(entry, prepared, positions, state);
      }
      path.text = path.unavailable
        ? E.fill(spec.templates.unavailable, {label: entry.label, objective: entry.grid.objective,
            x1: E.formatG(spec.config.start[0], 4), x2: E.formatG(spec.config.start[1], 4)})
        : sentence(spec, i, positions, outcome(spec.templates, path.steps, path.losses, path.diverged_at));
      return path;
    });
    this.attrs.readout = readoutOf(spec, state, this.attrs.paths);
  };
  StaticModel.prototype.runEngine = function (entry, prepared, positions, state, objective) {
    var spec = this.attrs.spec, hyper = {}, k;
    for (k in entry.hyper) { hyper[k] = entry.hyper[k]; }
    var factors = null, flat = 0;
    entry.sliders.forEach(function (s, j) {
      if (s.kind === "rule") { hyper[s.name] = s.values[positions[j]]; }
    });
    if (entry.schedule) {
      entry.schedule.sliders.forEach(function (name) {
        var j = entry.sliders.map(function (s) { return s.name; }).indexOf(name);
        flat = flat * entry.sliders[j].values.length + positions[j];
      });
      factors = prepared.factors.slice(flat * spec.steps_max, (flat + 1) * spec.steps_max);
    }
    var run = E.run({rule: entry.rule, objective: objective.name, start: state.start,
                     steps: state.steps, hyper: hyper, window: objective.window,
                     noise: noiseOf(spec, state), draws: this.draws, factors: factors,
                     divergence: spec.divergence});
    return {points: run.points, losses: run.losses, diverged_at: run.divergedAt, steps: state.steps};
  };
  StaticModel.prototype.fromGrid = function (entry, prepared, positions, state) {
    var grid = entry.grid;
    var defaults = this.attrs.spec.state.shared.join(",");
    if (state.objective !== grid.objective || state.shared.join(",") !== defaults) {
      return {unavailable: true, points: [], losses: [], diverged_at: -1, steps: 0};
    }
    var flat = 0;
    entry.sliders.forEach(function (s, j) { flat = flat * s.values.length + positions[j]; });
    var n = Math.min(state.steps, grid.steps), win = objectiveOf(this.attrs.spec, grid.objective).window;
    var offset = grid.offset[0] / grid.offset[1], base = flat * (grid.steps + 1) * 2;
    var points = [], losses = grid.losses[flat].slice(0, n + 1);
    for (var t = 0; t <= n; t++) {
      points.push(win[0][0] + (prepared.points[base + 2 * t] - offset) / grid.scale * (win[0][1] - win[0][0]));
      points.push(win[1][0] + (prepared.points[base + 2 * t + 1] - offset) / grid.scale * (win[1][1] - win[1][0]));
    }
    var k = prepared.diverged[flat];
    return {points: points, losses: losses, diverged_at: k >= 0 && k <= n ? k : -1, steps: n};
  };

  // --- the view ---------------------------------------------------------------------------------
  function render(ctx) {
    var model = ctx.model, host = ctx.el, spec = model.get("spec"), T = spec.templates;
    // Element ids unique on the page: a live widget has no id of its own, and one explorer may
    // be shown twice.
    var uid = (spec.id || "d2l-live-" + Math.random().toString(36).slice(2, 10)) + "-v" + (views++);
    var live = spec.mode === "live", marked = null;
    clear(host);
    var root = el("div", {"class": "d2l-lab"});
    host.appendChild(root);
    // Keys pressed inside the explorer are its own: a JupyterLab notebook would otherwise take
    // the arrow keys (and cancel them) to move between cells instead of moving a slider.
    root.addEventListener("keydown", function (event) { event.stopPropagation(); });

    // Controls: objective, steps, and each optimizer's sliders.
    var controls = el("div", {"class": "d2l-lab-controls"});
    root.appendChild(controls);
    var select = null;
    if (spec.objectives.length > 1) {
      select = el("select", {id: uid + "-objective"}, spec.objectives.map(function (o) {
        return el("option", {value: o.name}, [o.title]);
      }));
      controls.appendChild(el("div", {"class": "d2l-lab-row"}, [
        el("label", {"for": uid + "-objective"}, ["objective"]), select]));
      select.addEventListener("change", function () { setObjective(select.value); });
    }
    // Every slider is a labelled range of integers with its output, in a row of its own.
    function rangeRow(id, words, min, max, onInput, rowClass) {
      var input = el("input", {type: "range", id: id, min: String(min), max: String(max), step: "1"});
      var out = el("output", {"for": id});
      input.addEventListener("input", function () { onInput(Number(input.value)); });
      var row = el("div", {"class": "d2l-lab-row" + (rowClass ? " " + rowClass : "")}, [
        el("label", {"for": id}, [words]), input, out]);
      return {input: input, out: out, row: row};
    }
    // A slider over a parameter's values: its position is state[key][j] (key "shared") or
    // state.positions[i][j].
    function valueSlider(id, words, slider, place, rowClass) {
      var x = rangeRow(id, words, 0, slider.values.length - 1, function (position) {
        var state = copy(model.get("state")), at = place(state);
        at[0][at[1]] = position;
        commit(state);
      }, rowClass);
      x.slider = slider;
      return x;
    }
    var stepsRow = rangeRow(uid + "-steps", "steps", 1, spec.steps_max, function (n) { update({steps: n}); });
    var steps = stepsRow.input, stepsOut = stepsRow.out;
    controls.appendChild(stepsRow.row);
    // Shared sliders (noise, batch size) act on every optimizer.
    var WORDS = {noise: "gradient noise", batch: "batch size"};
    var shared = spec.shared.map(function (s, j) {
      var x = valueSlider(uid + "-shared-" + s.name, (WORDS[s.name] || s.name) + " " + s.symbol, s,
                          function (state) { return [state.shared, j]; }, "d2l-lab-shared");
      controls.appendChild(x.row);
      return x;
    });
    // With pick, the entries are alternatives: a drop-down shows one of them.
    var picker = null;
    if (spec.pick) {
      picker = el("select", {id: uid + "-pick"}, spec.entries.map(function (entry, i) {
        return el("option", {value: String(i)}, [entry.label]);
      }));
      controls.appendChild(el("div", {"class": "d2l-lab-row"}, [
        el("label", {"for": uid + "-pick"}, [spec.pick]), picker]));
      picker.addEventListener("change", function () {
        var chosen = Number(picker.value);
        update({hidden: spec.entries.map(function (e, i) { return i !== chosen; })});
      });
    }

    var sliders = spec.entries.map(function (entry, i) {
      var inputs = entry.sliders.map(function (s, j) {
        return valueSlider(uid + "-p" + i + "-" + s.name, s.symbol, s,
                           function (state) { return [state.positions[i], j]; });
      });
      inputs.box = null;
      if (!inputs.length) { return inputs; }
      var box = inputs.box = el("fieldset", {"class": "d2l-lab-entry"}, [
        el("legend", {}, [el("span", {"class": "d2l-lab-swatch", style: "background:" + entry.color}), entry.label])]);
      inputs.forEach(function (x) { box.appendChild(x.row); });
      controls.appendChild(box);
      return inputs;
    });

    // The figure: contours with paths and the start point, and the loss panel beside them.
    var figure = el("div", {"class": "d2l-lab-figure"});
    root.appendChild(figure);
    var plot = el("div", {"class": "d2l-lab-plot"});
    figure.appendChild(plot);
    var image = el("img", {"class": "d2l-lab-image"});
    plot.appendChild(image);
    var overlay = sv("svg", {"class": "d2l-lab-overlay", "aria-hidden": "true", focusable: "false"});
    plot.appendChild(overlay);
    var clip = sv("clipPath", {id: uid + "-clip"}), clipRect = sv("rect", {});
    clip.appendChild(clipRect);
    var defs = sv("defs", {});
    defs.appendChild(clip);
    overlay.appendChild(defs);
    var clipped = sv("g", {"clip-path": "url(#" + uid + "-clip)"}), pathLayer = sv("g", {transform: "scale(0.1)"});
    clipped.appendChild(pathLayer);
    overlay.appendChild(clipped);
    // Each path is a line plus a dot at every iterate; the dots are zero-length segments with
    // round caps, one element per path (markers on every vertex cost far more to lay out).
    var pathEls = spec.entries.map(function (entry) {
      var line = sv("path", {fill: "none", stroke: entry.color, "stroke-width": "17", "class": "d2l-lab-path"});
      var dots = sv("path", {fill: "none", stroke: entry.color, "stroke-width": "40", "stroke-linecap": "round", "class": "d2l-lab-dots"});
      pathLayer.appendChild(line);
      pathLayer.appendChild(dots);
      return {line: line, dots: dots};
    });
    var markLayer = sv("g", {}), badgeLayer = sv("g", {"class": "d2l-lab-badges"});
    overlay.appendChild(markLayer);
    overlay.appendChild(badgeLayer);
    var badgeEls = spec.entries.map(function () {
      var label = sv("text", {"class": "d2l-lab-diverged"});
      badgeLayer.appendChild(label);
      return label;
    });
    var handle = el("button", {type: "button", "class": "d2l-lab-start"});
    plot.appendChild(handle);

    var loss = sv("svg", {"class": "d2l-lab-loss", "aria-hidden": "true", focusable: "false"});
    figure.appendChild(loss);

    // The keyboard's way to do what hovering does: mark a step in both panels and hear every
    // shown path's loss at that step.
    var markRow = rangeRow(uid + "-mark", "mark step", 0, 1, function (t) { mark(t); }, "d2l-lab-marker");
    var marker = markRow.input, markerOut = markRow.out;
    marker.value = "0";
    root.appendChild(markRow.row);
    var legend = el("div", {"class": "d2l-lab-legend", role: "group", "aria-label": "paths shown"});
    if (!spec.pick) { root.appendChild(legend); }
    var legendButtons = spec.pick ? [] : spec.entries.map(function (entry, i) {
      var b = el("button", {type: "button", "class": "d2l-lab-key", "aria-pressed": "true"}, [
        el("span", {"class": "d2l-lab-swatch", style: "background:" + entry.color}), entry.label]);
      b.addEventListener("click", function () {
        var state = copy(model.get("state"));
        state.hidden[i] = !state.hidden[i];
        commit(state);
      });
      legend.appendChild(b);
      return b;
    });
    spec.entries.forEach(function (entry) {
      if (entry.note && !live) { root.appendChild(el("p", {"class": "d2l-lab-note"}, [entry.note])); }
    });
    var readout = el("p", {"class": "d2l-lab-readout", "aria-live": "polite"});
    root.appendChild(readout);

    // --- state changes ---
    // A live model sends the state to the kernel; ipywidgets keeps one message in flight and
    // sends only the latest state after it, so a fast drag never queues up stale work.
    function commit(state) {
      model.set("state", state);
      model.save_changes();
    }
    function update(patch) {
      var state = copy(model.get("state"));
      Object.keys(patch).forEach(function (k) { state[k] = patch[k]; });
      commit(state);
    }
    function snap(v) { return Math.round(v * 100) / 100; }
    function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
    function setStart(x1, x2) {
      var w = objectiveOf(spec, model.get("state").objective).window;
      update({start: [snap(clamp(x1, w[0][0], w[0][1])), snap(clamp(x2, w[1][0], w[1][1]))]});
    }
    function setObjective(name) {
      var state = model.get("state"), from = objectiveOf(spec, state.objective).window;
      var to = objectiveOf(spec, name).window, s = state.start;
      var inside = s[0] >= to[0][0] && s[0] <= to[0][1] && s[1] >= to[1][0] && s[1] <= to[1][1];
      var start = inside ? s : [0, 1].map(function (a) {  // the same place relative to the window
        var u = (s[a] - from[a][0]) / (from[a][1] - from[a][0]);
        return snap(to[a][0] + clamp(u, 0, 1) * (to[a][1] - to[a][0]));
      });
      update({objective: name, start: start});
    }

    // --- pixels and data ---
    function geometry() {
      var o = objectiveOf(spec, model.get("state").objective);
      return {o: o, w: o.window, box: o.axes, size: o.size};
    }
    function toPixel(g, x1, x2) {
      var b = g.box, w = g.w;
      var px = b[0] + (x1 - w[0][0]) / (w[0][1] - w[0][0]) * b[2];
      var py = b[1] + (1 - (x2 - w[1][0]) / (w[1][1] - w[1][0])) * b[3];
      return [clamp(px, -1e5, 1e5), clamp(py, -1e5, 1e5)];
    }
    function fromEvent(g, event) {
      var r = plot.getBoundingClientRect(), b = g.box, w = g.w;
      var px = (event.clientX - r.left) / r.width * g.size[0], py = (event.clientY - r.top) / r.height * g.size[1];
      return [w[0][0] + (px - b[0]) / b[2] * (w[0][1] - w[0][0]), w[1][0] + (1 - (py - b[1]) / b[3]) * (w[1][1] - w[1][0])];
    }
    // Paths are drawn in tenths of a pixel, as integers (in a group scaled by 0.1): 0.1 px is
    // all a path needs, and integers are written out far faster than decimals.
    function px(v) { return String(Math.round(v * 10) / 10); }
    function tenths(v) { return Math.round(v * 10); }
    function lastIndex(path) { return path.diverged_at >= 0 ? path.diverged_at : path.steps; }

    // --- drawing ---
    function setRange(input, out, value, shown, spoken) {
      if (input.value !== String(value)) { input.value = String(value); }
      text(out, shown);
      if (input.getAttribute("aria-valuetext") !== spoken) { input.setAttribute("aria-valuetext", spoken); }
    }
    function draw() {
      var state = model.get("state"), paths = model.get("paths") || [], g = geometry();
      if (select && select.value !== state.objective) { select.value = state.objective; }
      setRange(steps, stepsOut, state.steps, String(state.steps), state.steps + " steps");
      var noise = E.formatG(noiseOf(spec, state), 4);
      shared.forEach(function (x, j) {
        var p = state.shared[j], label = x.slider.labels[p];
        setRange(x.input, x.out, p, x.slider.name === "batch" ? label + " (noise " + noise + ")" : label,
                 x.slider.symbol + " = " + label + (x.slider.name === "batch" ? ", noise " + noise : ""));
      });
      if (picker) {
        var chosen = String(state.hidden.indexOf(false));
        if (picker.value !== chosen && chosen !== "-1") { picker.value = chosen; }
      }
      sliders.forEach(function (inputs, i) {
        if (picker && inputs.box) { inputs.box.hidden = state.hidden[i]; }
        inputs.forEach(function (x, j) {
          var p = state.positions[i][j];
          setRange(x.input, x.out, p, x.slider.labels[p], x.slider.symbol + " = " + x.slider.labels[p]);
        });
      });
      if (image.getAttribute("src") !== g.o.png) {
        image.setAttribute("src", g.o.png);
        image.setAttribute("alt", g.o.alt);
        image.setAttribute("width", String(g.size[0]));
        image.setAttribute("height", String(g.size[1]));
      }
      overlay.setAttribute("viewBox", "0 0 " + g.size[0] + " " + g.size[1]);
      setAttrs(clipRect, {x: g.box[0], y: g.box[1], width: g.box[2], height: g.box[3]});
      var badges = 0;
      paths.forEach(function (path, i) {
        var hidden = state.hidden[i] || path.unavailable || !path.points.length;
        if (legendButtons[i]) { legendButtons[i].setAttribute("aria-pressed", state.hidden[i] ? "false" : "true"); }
        text(badgeEls[i], "");
        if (hidden) { pathEls[i].line.setAttribute("d", ""); pathEls[i].dots.setAttribute("d", ""); return; }
        var d = [], dots = [], last = lastIndex(path);
        for (var t = 0; t <= last; t++) {
          var p = toPixel(g, path.points[2 * t], path.points[2 * t + 1]), xy = tenths(p[0]) + " " + tenths(p[1]);
          d.push((t ? "L" : "M") + xy);
          dots.push("M" + xy + "h0");
        }
        pathEls[i].line.setAttribute("d", d.join(""));
        pathEls[i].dots.setAttribute("d", dots.join(""));
        if (path.diverged_at >= 0) {
          setAttrs(badgeEls[i], {x: px(g.box[0] + 0.03 * g.box[2]), y: px(g.box[1] + 14 + 14 * badges++)});
          text(badgeEls[i], divergedLabel(i, path));
        }
      });
      var s = toPixel(g, state.start[0], state.start[1]);
      handle.style.left = (s[0] / g.size[0] * 100) + "%";
      handle.style.top = (s[1] / g.size[1] * 100) + "%";
      var where = E.fill(T.start, {x1: E.formatG(state.start[0], 4), x2: E.formatG(state.start[1], 4)});
      if (handle.getAttribute("aria-label") !== where) { handle.setAttribute("aria-label", where); }
      drawLoss(state, paths, g);
      words();
      root.setAttribute("data-start", state.start.join(","));
      mark(marked);
    }

    // The loss panel keeps its elements: the axes are redrawn only when their range changes,
    // and each path's curve, cross and label are updated in place.
    var L = {width: 300, left: 50, right: 10, top: 24, bottom: 38};
    var lossScale = null, axesKey = "";
    var lossAxes = sv("g", {}), lossCurves = sv("g", {transform: "scale(0.1)"}), lossLabels = sv("g", {});
    var lossMarks = sv("g", {});
    [lossAxes, lossCurves, lossLabels, lossMarks].forEach(function (layer) { loss.appendChild(layer); });
    var lossEls = spec.entries.map(function (entry) {
      var curve = sv("path", {fill: "none", stroke: entry.color, "stroke-width": "17", "class": "d2l-lab-curve"});
      var cross = sv("path", {"class": "d2l-lab-cross"});
      var label = sv("text", {"class": "d2l-lab-diverged", "text-anchor": "end"});
      lossCurves.appendChild(curve);
      lossLabels.appendChild(cross);
      lossLabels.appendChild(label);
      return {curve: curve, cross: cross, label: label};
    });
    function text(node, words) { if (node.textContent !== words) { node.textContent = words; } }
    function drawAxes(top, bottom, n, height) {
      var key = [top, bottom, n, height].join(" ");
      if (key === axesKey) { return; }
      axesKey = key;
      var w = L.width - L.left - L.right, h = height - L.top - L.bottom;
      clear(lossAxes);
      loss.setAttribute("viewBox", "0 0 " + L.width + " " + height);
      lossAxes.appendChild(sv("rect", {x: L.left, y: L.top, width: w, height: h, "class": "d2l-lab-frame"}));
      var every = Math.ceil((top - bottom) / 6);
      for (var e = bottom; e <= top; e += every) {
        var y = px(lossScale.y(Math.pow(10, e)));
        lossAxes.appendChild(sv("line", {x1: L.left, x2: L.left + w, y1: y, y2: y, "class": "d2l-lab-grid"}));
        var tick = sv("text", {x: L.left - 4, y: y, "class": "d2l-lab-tick", "text-anchor": "end", "dominant-baseline": "middle"});
        tick.textContent = "1e" + e;
        lossAxes.appendChild(tick);
      }
      [0, Math.round(n / 2), n].forEach(function (t) {
        var tick = sv("text", {x: px(lossScale.x(t)), y: L.top + h + 14, "class": "d2l-lab-tick", "text-anchor": "middle"});
        tick.textContent = String(t);
        lossAxes.appendChild(tick);
      });
      var xlabel = sv("text", {x: L.left + w / 2, y: height - 6, "class": "d2l-lab-axis", "text-anchor": "middle"});
      xlabel.textContent = "step t";
      lossAxes.appendChild(xlabel);
      var title = sv("text", {x: L.left + w / 2, y: 15, "class": "d2l-lab-axis", "text-anchor": "middle"});
      title.textContent = "f(x\u209c) \u2212 f*  (log scale)";
      lossAxes.appendChild(title);
    }
    function drawLoss(state, paths, g) {
      var height = g.size[1], w = L.width - L.left - L.right, h = height - L.top - L.bottom;
      var lo = Infinity, hi = -Infinity, fmin = g.o.minimum;
      paths.forEach(function (path, i) {
        if (state.hidden[i] || path.unavailable) { return; }
        for (var t = 0; t <= lastIndex(path); t++) {
          var v = path.losses[t] - fmin;
          if (v > 0 && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
        }
      });
      if (!(hi >= lo)) { lo = 1e-3; hi = 1; }
      var top = Math.ceil(Math.log10(hi)), bottom = Math.floor(Math.log10(lo));
      bottom = Math.max(bottom, top - 18, -300);
      if (top <= bottom) { top = bottom + 1; }
      var n = Math.max(1, state.steps);
      lossScale = {n: n, x: function (t) { return L.left + t / n * w; },
                   y: function (v) {
                     var e = v > 0 ? Math.log10(v) : -Infinity;
                     if (!(e === e)) { e = top; }
                     return L.top + (top - clamp(e, bottom, top)) / (top - bottom) * h;
                   }};
      drawAxes(top, bottom, n, height);
      var badges = 0;
      paths.forEach(function (path, i) {
        var els = lossEls[i];
        if (state.hidden[i] || path.unavailable || !path.points.length) {
          els.curve.setAttribute("d", ""); els.cross.setAttribute("d", ""); text(els.label, "");
          return;
        }
        var d = [], last = lastIndex(path);
        for (var t = 0; t <= last; t++) {
          d.push((t ? "L" : "M") + tenths(lossScale.x(t)) + " " + tenths(lossScale.y(path.losses[t] - fmin)));
        }
        els.curve.setAttribute("d", d.join(""));
        if (path.diverged_at >= 0) {
          var x = lossScale.x(last), y = lossScale.y(path.losses[last] - fmin);
          els.cross.setAttribute("d", "M" + px(x - 4) + " " + px(y - 4) + "l8 8m0 -8l-8 8");
          setAttrs(els.label, {x: L.left + w - 4, y: L.top + 13 + 13 * badges++});
          text(els.label, divergedLabel(i, path));
        } else {
          els.cross.setAttribute("d", "");
          text(els.label, "");
        }
      });
    }
    function divergedLabel(i, path) {
      var words = E.fill(T.diverged, {step: path.diverged_at});
      return spec.single ? words : spec.entries[i].label + ": " + words;
    }

    // Hovering one panel marks the same step in both.
    function markWords(t) {
      var state = model.get("state"), paths = model.get("paths") || [], said = [];
      if (t === null || t === undefined) { return T.mark_none; }
      paths.forEach(function (path, i) {
        if (state.hidden[i] || path.unavailable || !path.points.length) { return; }
        var label = spec.entries[i].label;
        said.push(path.diverged_at >= 0 && t >= path.diverged_at
          ? label + ": " + E.fill(T.diverged, {step: path.diverged_at})
          : E.fill(T.mark_value, {label: label, loss: E.formatG(path.losses[t], 4)}));
      });
      return E.fill(T.mark, {step: t, values: said.join(T.separator)});
    }
    function mark(t) {
      if (t !== null && t !== undefined) { t = Math.min(t, model.get("state").steps); }
      marked = t;
      clear(markLayer);
      if (lossMarks) { clear(lossMarks); }
      var steps = String(model.get("state").steps);
      if (marker.max !== steps) { marker.max = steps; }
      if (t !== null && t !== undefined && marker.value !== String(t)) { marker.value = String(t); }
      text(markerOut, t === null || t === undefined ? "" : String(t));
      var words = markWords(t);
      if (marker.getAttribute("aria-valuetext") !== words) { marker.setAttribute("aria-valuetext", words); }
      if (t === null || t === undefined) { root.removeAttribute("data-marked"); return; }
      var state = model.get("state"), paths = model.get("paths") || [], g = geometry(), fmin = g.o.minimum;
      root.setAttribute("data-marked", String(t));
      if (lossScale && lossMarks) {
        var x = lossScale.x(Math.min(t, lossScale.n)).toFixed(1);
        lossMarks.appendChild(sv("line", {x1: x, x2: x, y1: L.top, y2: g.size[1] - L.bottom, "class": "d2l-lab-cursor"}));
        var edge = t > 0.85 * lossScale.n ? "end" : t < 0.15 * lossScale.n ? "start" : "middle";
        var label = sv("text", {x: x, y: L.top - 3, "class": "d2l-lab-tick", "text-anchor": edge});
        label.textContent = "step " + t;
        lossMarks.appendChild(label);
      }
      paths.forEach(function (path, i) {
        if (state.hidden[i] || path.unavailable || t > lastIndex(path)) { return; }
        var p = toPixel(g, path.points[2 * t], path.points[2 * t + 1]);
        markLayer.appendChild(sv("circle", {cx: p[0].toFixed(1), cy: p[1].toFixed(1), r: "5", fill: "none",
                                            stroke: spec.entries[i].color, "stroke-width": "2", "class": "d2l-lab-mark"}));
        if (lossMarks && lossScale) {
          lossMarks.appendChild(sv("circle", {cx: lossScale.x(t).toFixed(1), cy: lossScale.y(path.losses[t] - fmin).toFixed(1),
                                              r: "4", fill: spec.entries[i].color, "class": "d2l-lab-mark"}));
        }
      });
    }
    function nearestStep(event) {
      var g = geometry(), r = plot.getBoundingClientRect(), state = model.get("state");
      var px = (event.clientX - r.left) / r.width * g.size[0], py = (event.clientY - r.top) / r.height * g.size[1];
      var best = null, bestD = 12 * 12 * (g.size[0] / r.width) * (g.size[0] / r.width);
      (model.get("paths") || []).forEach(function (path, i) {
        if (state.hidden[i] || path.unavailable) { return; }
        for (var t = 0; t <= lastIndex(path); t++) {
          var p = toPixel(g, path.points[2 * t], path.points[2 * t + 1]);
          var d = (p[0] - px) * (p[0] - px) + (p[1] - py) * (p[1] - py);
          if (d < bestD) { bestD = d; best = t; }
        }
      });
      return best;
    }

    // --- pointer and keys ---
    var dragging = false;
    function startDrag(event) {
      if (event.button !== undefined && event.button !== 0) { return; }
      dragging = true;
      try { plot.setPointerCapture(event.pointerId); } catch (e) { /* a synthetic pointer */ }
      var x = fromEvent(geometry(), event);
      setStart(x[0], x[1]);
      event.preventDefault();
    }
    plot.addEventListener("pointerdown", startDrag);
    plot.addEventListener("pointermove", function (event) {
      if (dragging) { var x = fromEvent(geometry(), event); setStart(x[0], x[1]); return; }
      mark(nearestStep(event));
    });
    ["pointerup", "pointercancel"].forEach(function (name) {
      plot.addEventListener(name, function () { dragging = false; });
    });
    plot.addEventListener("pointerleave", function () { if (!dragging) { mark(null); } });
    loss.addEventListener("pointermove", function (event) {
      if (!lossScale) { return; }
      var r = loss.getBoundingClientRect(), px = (event.clientX - r.left) / r.width * L.width;
      mark(Math.round(clamp((px - L.left) / (L.width - L.left - L.right), 0, 1) * lossScale.n));
    });
    loss.addEventListener("pointerleave", function () { mark(null); });
    handle.addEventListener("keydown", function (event) {
      var move = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1]}[event.key];
      if (!move) { return; }
      event.preventDefault();
      var by = event.shiftKey ? 0.01 : 0.1, s = model.get("state").start;
      setStart(s[0] + move[0] * by, s[1] + move[1] * by);
    });

    function words() {
      var text = model.get("readout");
      if (readout.textContent !== text) { readout.textContent = text; }
    }
    model.on("change:state", draw);
    model.on("change:paths", draw);
    model.on("change:readout", words);
    draw();
    return function () {
      model.off("change:state", draw);
      model.off("change:paths", draw);
      model.off("change:readout", words);
    };
  }

  function mountStatic(uid) {
    var root = document.getElementById(uid);
    if (!root || root.getAttribute("data-ready")) { return null; }
    root.setAttribute("data-ready", "1");
    var spec = JSON.parse(document.getElementById(uid + "-data").textContent);
    var model = new StaticModel(spec);
    render({model: model, el: root.querySelector(".d2l-lab-mount")});
    root.d2lModel = model;  // for tests and benchmarks
    return model;
  }

  return {render: render, mountStatic: mountStatic, StaticModel: StaticModel, engine: E};
})(ENGINE);
