// The book's 2D update rules and objectives, written a second time for the page (the first is
// d2l_opt.optimizers / d2l_opt.objectives). Each line mirrors the Python expression's order
// of operations, so both compute the same IEEE operations; tests/test_browser.py runs every
// rule on every objective both ways and requires them to agree to 1e-9.
var ENGINE = (function () {
  "use strict";

  // b ** n for an integer n >= 0, correctly rounded (double-double products), like the C
  // library's pow that Python's float ** int calls; Math.pow is off by an ulp far more often.
  function twoProduct(a, b) {
    var p = a * b, split = Math.pow(2, 27) + 1, t = split * a, ah = t - (t - a), al = a - ah;
    t = split * b;
    var bh = t - (t - b), bl = b - bh;
    return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl];
  }
  function ddMul(x, y) {
    var p = twoProduct(x[0], y[0]), e = p[1] + (x[0] * y[1] + x[1] * y[0]), s = p[0] + e;
    return [s, e - (s - p[0])];
  }
  function powInt(b, n) {
    var r = [1, 0], x = [b, 0];
    while (n > 0) {
      if (n & 1) { r = ddMul(r, x); }
      n = Math.floor(n / 2);
      if (n > 0) { x = ddMul(x, x); }
    }
    return r[0] + r[1];
  }

  // f and its gradient, in the order autograd computes it.
  var OBJECTIVES = {
    quadratic: {
      f: function (a, b) { return a * a + 2 * (b * b); },
      grad: function (a, b) { return [2 * a, 2 * (2 * b)]; }
    },
    ill_conditioned: {
      f: function (a, b) { return 0.1 * (a * a) + 2 * (b * b); },
      grad: function (a, b) { return [0.1 * (2 * a), 2 * (2 * b)]; }
    },
    rotated_ill_conditioned: {
      f: function (a, b) { var u = a + b, v = a - b; return 0.1 * (u * u) + 2 * (v * v); },
      grad: function (a, b) {
        var gu = 0.1 * (2 * (a + b)), gv = 2 * (2 * (a - b));
        return [gu + gv, gu - gv];
      }
    },
    rosenbrock: {
      f: function (a, b) { var u = 1 - a, w = b - a * a; return u * u + 100 * (w * w); },
      grad: function (a, b) {
        var w = b - a * a;
        return [-(2 * (1 - a)) - 4 * ((100 * w) * a), 100 * (2 * w)];
      }
    },
    double_well: {
      f: function (a, b) { var p = a * a - 1; return p * p + b * b; },
      grad: function (a, b) { var p = a * a - 1; return [(2 * p) * (2 * a), 2 * b]; }
    }
  };

  // init() -> state; step(x, g, state, h) -> x, with state updated in place (per coordinate).
  function zeros() { return [0, 0]; }
  var RULES = {
    sgd: {
      init: function () { return {}; },
      step: function (x, g, st, h, i) { return x - h.eta * g; }
    },
    momentum: {
      init: function () { return {v: zeros()}; },
      step: function (x, g, st, h, i) {
        st.v[i] = h.beta * st.v[i] + g;
        return x - h.eta * st.v[i];
      }
    },
    adagrad: {
      init: function () { return {s: zeros()}; },
      step: function (x, g, st, h, i) {
        st.s[i] = st.s[i] + g * g;
        return x - h.eta * g / Math.sqrt(st.s[i] + h.eps);
      }
    },
    rmsprop: {
      init: function () { return {s: zeros()}; },
      step: function (x, g, st, h, i) {
        st.s[i] = h.gamma * st.s[i] + (1 - h.gamma) * g * g;
        return x - h.eta * g / Math.sqrt(st.s[i] + h.eps);
      }
    },
    adadelta: {
      init: function () { return {s: zeros(), delta: zeros()}; },
      step: function (x, g, st, h, i) {
        st.s[i] = h.rho * st.s[i] + (1 - h.rho) * g * g;
        var rescaled = Math.sqrt(st.delta[i] + h.eps) / Math.sqrt(st.s[i] + h.eps) * g;
        st.delta[i] = h.rho * st.delta[i] + (1 - h.rho) * rescaled * rescaled;
        return x - rescaled;
      }
    },
    adam: {
      init: function () { return {t: 0, v: zeros(), s: zeros()}; },
      begin: corrections,
      step: function (x, g, st, h, i) {
        st.v[i] = h.beta1 * st.v[i] + (1 - h.beta1) * g;
        st.s[i] = h.beta2 * st.s[i] + (1 - h.beta2) * g * g;
        return debiased(x, st, h, i);
      }
    },
    yogi: {
      init: function () { return {t: 0, v: zeros(), s: zeros()}; },
      begin: corrections,
      step: function (x, g, st, h, i) {
        st.v[i] = h.beta1 * st.v[i] + (1 - h.beta1) * g;
        st.s[i] = st.s[i] - (1 - h.beta2) * Math.sign(st.s[i] - g * g) * g * g;
        return debiased(x, st, h, i);
      }
    }
  };
  // Step t's bias corrections 1 - beta ** t, computed once for both coordinates.
  function corrections(st, h) {
    st.t += 1;
    st.c1 = 1 - powInt(h.beta1, st.t);
    st.c2 = 1 - powInt(h.beta2, st.t);
  }
  function debiased(x, st, h, i) {
    var vHat = st.v[i] / st.c1, sHat = st.s[i] / st.c2;
    return x - h.eta * vHat / (Math.sqrt(sHat) + h.eps);
  }

  var NOISE_QUANTUM = 1e6, FACTOR_QUANTUM = Math.pow(2, 30);  // as d2l_opt.traces

  // One run, as d2l_opt.traces.run_trace: points (flat x1, x2 pairs), losses, divergedAt.
  // opts: {rule, objective, start, steps, hyper, window, noise, draws, factors, divergence}
  function run(opts) {
    var rule = RULES[opts.rule], obj = OBJECTIVES[opts.objective], n = opts.steps;
    var win = opts.window, factor = opts.divergence;
    var centre = [(win[0][0] + win[0][1]) / 2, (win[1][0] + win[1][1]) / 2];
    var limit = [factor * (win[0][1] - win[0][0]), factor * (win[1][1] - win[1][0])];
    var points = new Float64Array(2 * (n + 1)), losses = new Float64Array(n + 1);
    var x = [opts.start[0], opts.start[1]], st = rule.init(), h = opts.hyper, eta = h.eta;
    var divergedAt = -1, held = -1;
    function inside(p) {
      return Math.abs(p[0] - centre[0]) <= limit[0] && Math.abs(p[1] - centre[1]) <= limit[1];
    }
    points[0] = x[0]; points[1] = x[1];
    if (!inside(x)) { divergedAt = 0; held = 0; }
    for (var t = 1; t <= n && divergedAt < 0; t++) {
      var g = obj.grad(x[0], x[1]);
      if (opts.noise > 0) {
        g[0] = g[0] + opts.noise * (opts.draws[2 * (t - 1)] / NOISE_QUANTUM);
        g[1] = g[1] + opts.noise * (opts.draws[2 * (t - 1) + 1] / NOISE_QUANTUM);
      }
      if (opts.factors) { h.eta = eta * (opts.factors[t - 1] / FACTOR_QUANTUM); }
      if (rule.begin) { rule.begin(st, h); }
      x = [rule.step(x[0], g[0], st, h, 0), rule.step(x[1], g[1], st, h, 1)];
      points[2 * t] = x[0]; points[2 * t + 1] = x[1];
      if (!inside(x)) {
        divergedAt = t;
        held = isFinite(x[0]) && isFinite(x[1]) ? t : t - 1;
      }
    }
    h.eta = eta;
    if (divergedAt >= 0) {
      for (var k = held + 1; k <= n; k++) { points[2 * k] = points[2 * held]; points[2 * k + 1] = points[2 * held + 1]; }
    }
    for (var j = 0; j <= n; j++) { losses[j] = obj.f(points[2 * j], points[2 * j + 1]); }
    return {points: points, losses: losses, divergedAt: divergedAt};
  }

  // Python's format(x, ".{p}g"), ties to even on exact ties as Python does (JS rounds them up).
  function formatG(x, p) {
    p = p || 4;
    if (x !== x) { return "nan"; }
    if (!isFinite(x)) { return x > 0 ? "inf" : "-inf"; }
    if (x === 0) { return 1 / x < 0 ? "-0" : "0"; }
    var a = Math.abs(x), full = a.toExponential(40).split("e"), exact = full[0].replace(".", "");
    var digits, e;
    if (exact[p] === "5" && /^0*$/.test(exact.slice(p + 1)) && Number(exact[p - 1]) % 2 === 0) {
      digits = exact.slice(0, p); e = Number(full[1]);
    } else {
      var r = a.toExponential(p - 1).split("e");
      digits = r[0].replace(".", ""); e = Number(r[1]);
    }
    var sign = x < 0 ? "-" : "", text;
    if (e < -4 || e >= p) {
      var m = digits.slice(1).replace(/0+$/, "");
      text = digits[0] + (m ? "." + m : "") + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    } else if (e >= 0) {
      var frac = digits.slice(e + 1).replace(/0+$/, "");
      text = digits.slice(0, e + 1) + (frac ? "." + frac : "");
    } else {
      text = "0." + "0".repeat(-e - 1) + digits.replace(/0+$/, "");
    }
    return sign + text;
  }

  // Python's str.format for the simple "{name}" templates the spec carries.
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  return {OBJECTIVES: OBJECTIVES, RULES: RULES, run: run, formatG: formatG, fill: fill,
          powInt: powInt};
})();
