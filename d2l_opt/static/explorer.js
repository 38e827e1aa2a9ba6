// Static explorer: swaps a precomputed path when a slider moves. Reads only numbers that
// the page itself embeds (JSON parsed, base64 decoded); nothing is ever evaluated.
(function () {
  "use strict";
  var root = document.getElementById("__ID__");
  if (!root || root.dataset.ready) { return; }
  root.dataset.ready = "1";
  var spec = JSON.parse(document.getElementById("__ID__-data").textContent);
  function decode(b64, Type) {
    var bytes = atob(b64), buf = new ArrayBuffer(bytes.length), view = new Uint8Array(buf);
    for (var i = 0; i < bytes.length; i++) { view[i] = bytes.charCodeAt(i); }
    return new Type(buf);
  }
  var points = decode(spec.points.int16, Int16Array);     // settings × (steps+1) × 2, scaled
  var losses = spec.final_losses;                         // per setting, to the digits shown
  var diverged = decode(spec.diverged.int16, Int16Array); // step of divergence, -1 if none
  var n = spec.steps + 1, box = spec.axes, scale = spec.scale,
      offset = spec.offset[0] / spec.offset[1];
  var inputs = spec.sliders.map(function (s) { return document.getElementById(s.id); });
  var outputs = spec.sliders.map(function (s) { return document.getElementById(s.id + "-value"); });
  var path = document.getElementById("__ID__-path");
  var badge = document.getElementById("__ID__-diverged");
  var readout = document.getElementById("__ID__-readout");

  // Python's format(x, ".4g"), so both views print the same text.
  function formatG(x) {
    if (!isFinite(x)) { return x > 0 ? "inf" : x < 0 ? "-inf" : "nan"; }
    if (x === 0) { return "0"; }
    var exp = Number(x.toExponential(3).split("e")[1]);
    if (exp < -4 || exp >= 4) {
      var parts = x.toExponential(3).split("e");
      var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/\.?0+$/, "") : parts[0];
      var e = Number(parts[1]);
      return mantissa + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    var fixed = x.toFixed(Math.max(0, 3 - exp));
    return fixed.indexOf(".") >= 0 ? fixed.replace(/\.?0+$/, "") : fixed;
  }
  function pathData(k, last) {
    var d = [], base = k * n * 2;
    for (var t = 0; t <= last; t++) {
      var px = box[0] + (points[base + 2 * t] - offset) / scale * box[2];
      var py = box[1] + (1 - (points[base + 2 * t + 1] - offset) / scale) * box[3];
      d.push((t ? "L" : "M") + px.toFixed(1) + " " + py.toFixed(1));
    }
    return d.join("");
  }
  function update() {
    var k = 0, parts = [];
    spec.sliders.forEach(function (s, j) {
      var i = Number(inputs[j].value);
      k += i * s.stride;
      var text = s.symbol + " = " + s.labels[i];
      outputs[j].textContent = s.labels[i];
      inputs[j].setAttribute("aria-valuetext", text);
      parts.push(text);
    });
    var step = diverged[k];
    path.setAttribute("d", pathData(k, step >= 0 ? step : n - 1));
    badge.textContent = step >= 0 ? "diverged at step " + step : "";
    var result = step >= 0 ? "diverged at step " + step
      : "after " + spec.steps + " steps: f(x) = " + formatG(losses[k]);
    readout.textContent = parts.join(", ") + ": " + result;
    root.dataset.setting = String(k);
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
  update();
})();
