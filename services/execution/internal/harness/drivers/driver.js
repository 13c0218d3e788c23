// The JavaScript driver of the execution harness (internal/harness). It
// runs as the goja runner's main program and reads one JSON object from
// stdin:
//   {nonce, code, function, params: [type], returns: type,
//    cases: [[arg, ...], ...], stdout_limit}
// It loads the user's code as solution.js, then calls the function once
// per case with the arguments converted to the signature's types. Every
// result is one line on stdout, "<nonce> <json>\n"; the user's console
// output goes to a per-case buffer instead. The nonce and the host's
// functions live only in this closure, out of the user's code's reach.
(function () {
  "use strict";
  const host = __host;
  const readAll = readInput;
  delete globalThis.__host;
  delete globalThis.readInput;
  const job = JSON.parse(readAll());
  const nonce = job.nonce;
  const limit = job.stdout_limit || 8192;
  const MAX_NODES = 1000000;

  function ListNode(val, next) { this.val = val === undefined ? 0 : val; this.next = next === undefined ? null : next; }
  function TreeNode(val, left, right) {
    this.val = val === undefined ? 0 : val;
    this.left = left === undefined ? null : left;
    this.right = right === undefined ? null : right;
  }
  // Properties, not declarations: the user's code may declare its own.
  globalThis.ListNode = ListNode;
  globalThis.TreeNode = TreeNode;

  function toList(values) {
    let head = null;
    for (let i = values.length - 1; i >= 0; i--) head = new ListNode(values[i], head);
    return head;
  }
  function fromList(node) {
    const out = [];
    for (; node != null; node = node.next) {
      if (out.length >= MAX_NODES) throw new Error("the returned list does not end (a cycle?)");
      out.push(node.val);
    }
    return out;
  }
  function toTree(values) {
    if (!values.length || values[0] === null) return null;
    const root = new TreeNode(values[0]);
    const queue = [root];
    let i = 1;
    for (let q = 0; q < queue.length && i < values.length; q++) {
      const node = queue[q];
      if (values[i] !== null) { node.left = new TreeNode(values[i]); queue.push(node.left); }
      i++;
      if (i < values.length && values[i] !== null) { node.right = new TreeNode(values[i]); queue.push(node.right); }
      i++;
    }
    return root;
  }
  function fromTree(root) {
    const out = [], queue = [root];
    for (let q = 0; q < queue.length; q++) {
      if (out.length >= MAX_NODES) throw new Error("the returned tree is too large (a cycle?)");
      const node = queue[q];
      if (node == null) { out.push(null); continue; }
      out.push(node.val);
      queue.push(node.left, node.right);
    }
    while (out.length && out[out.length - 1] === null) out.pop();
    return out;
  }
  function convertIn(type, v) {
    switch (type) {
      case "ListNode": return toList(v);
      case "ListNode[]": return v.map(toList);
      case "TreeNode": return toTree(v);
    }
    return v;
  }
  function convertOut(type, v) {
    switch (type) {
      case "ListNode": return fromList(v);
      case "TreeNode": return fromTree(v);
    }
    return v;
  }
  function encode(v) {
    const s = JSON.stringify(v === undefined ? null : v, function (k, x) {
      if (typeof x === "bigint") return Number(x);
      if (x instanceof Set) return Array.from(x);
      if (typeof x === "number" && !isFinite(x)) throw new TypeError("the result has no JSON form: " + x);
      return x;
    });
    return JSON.parse(s);
  }
  function emit(obj) { host.write(nonce + " " + JSON.stringify(obj) + "\n"); }

  function describe(e) {
    let type = "Error", message = String(e), line = null;
    if (e !== null && typeof e === "object") {
      if (typeof e.name === "string") type = e.name;
      if (e.message !== undefined) message = String(e.message);
      const m = /solution\.js:(\d+)/.exec(String(e.stack || ""));
      if (m) line = Number(m[1]);
    }
    return { type: type, message: message, line: line };
  }

  // The user's console: one buffer per case, the first limit characters kept.
  let buf = "", truncated = false;
  function capture(args) {
    const parts = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (typeof a === "string") parts.push(a);
      else if (a instanceof Error) parts.push(String(a.stack || a));
      else {
        let s;
        try { s = JSON.stringify(a); } catch (e) { s = undefined; }
        parts.push(s === undefined || s === "{}" ? String(a) : s);
      }
    }
    const line = parts.join(" ") + "\n";
    const room = limit - buf.length;
    if (room > 0) buf += line.slice(0, room);
    if (line.length > room) truncated = true;
  }
  const log = function () { capture(arguments); };
  globalThis.console = { log: log, info: log, debug: log, warn: log, error: log, trace: log };
  function take() {
    const r = { stdout: buf, truncated: truncated };
    buf = ""; truncated = false;
    return r;
  }

  let fn;
  try {
    host.loadScript("solution.js", job.code);
    const look = function (n) { return host.loadScript("<lookup>", "typeof " + n + " === 'undefined' ? undefined : " + n); };
    fn = look(job.function);
    if (typeof fn !== "function") {
      const S = look("Solution");
      if (typeof S === "function") {
        const inst = new S();
        if (typeof inst[job.function] === "function") fn = inst[job.function].bind(inst);
      }
    }
    if (typeof fn !== "function") throw new ReferenceError("define a function named " + job.function);
  } catch (e) {
    emit({ fatal: describe(e), stdout: take().stdout });
    return;
  }
  emit({ loaded: true, stdout: take().stdout });

  job.cases.forEach(function (args, i) {
    const res = { i: i };
    try {
      const conv = job.params.map(function (t, k) { return convertIn(t, args[k]); });
      const start = host.now();
      let value;
      try {
        value = fn.apply(null, conv);
      } finally {
        res.ms = host.now() - start;
      }
      res.value = encode(convertOut(job.returns, value));
    } catch (e) {
      delete res.value;
      res.error = describe(e);
    }
    const out = take();
    res.stdout = out.stdout;
    res.truncated = out.truncated;
    emit(res);
  });
  emit({ done: true });
})();
