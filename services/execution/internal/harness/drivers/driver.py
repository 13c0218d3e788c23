# The Python driver of the execution harness (internal/harness). It runs
# as the sandbox's main program and reads one job from stdin:
#   {"nonce", "code", "function", "params": [type], "returns": type,
#    "cases": [[arg, ...], ...], "stdout_limit"}
# It loads the user's code as solution.py, then calls the function once
# per case with the arguments converted to the signature's types. Every
# result is one line on fd 1, "<nonce> <json>\n", written with a single
# os.write; the user's prints go to a per-case buffer instead, and lines
# without the nonce are ignored by the Go side.
#
# Start-up time matters more than anything here (CPython compiles every
# stdlib module it imports from source in the sandbox): json, traceback
# and typing would triple it, so the job is JSON that is also a Python
# literal (the Go side writes it), results are encoded by to_json below,
# and typing is imported only when the user's code names one of its names.
import io
import os
import sys
import time


class ListNode:
    def __init__(self, val=0, next=None):
        self.val, self.next = val, next

    def __repr__(self):
        return "ListNode(%r)" % (self.val,)


class TreeNode:
    def __init__(self, val=0, left=None, right=None):
        self.val, self.left, self.right = val, left, right

    def __repr__(self):
        return "TreeNode(%r)" % (self.val,)


MAX_NODES = 1_000_000  # a cycle in a returned list stops here


def to_list_node(values):
    head = None
    for v in reversed(values):
        head = ListNode(v, head)
    return head


def from_list_node(node):
    out = []
    while node is not None:
        if len(out) >= MAX_NODES:
            raise ValueError("the returned list does not end (a cycle?)")
        out.append(node.val)
        node = node.next
    return out


def to_tree_node(values):
    if not values or values[0] is None:
        return None
    root = TreeNode(values[0])
    queue, i = [root], 1
    for node in queue:
        if i >= len(values):
            break
        if values[i] is not None:
            node.left = TreeNode(values[i])
            queue.append(node.left)
        i += 1
        if i < len(values) and values[i] is not None:
            node.right = TreeNode(values[i])
            queue.append(node.right)
        i += 1
    return root


def from_tree_node(root):
    out, queue = [], [root]
    for node in queue:
        if len(out) >= MAX_NODES:
            raise ValueError("the returned tree is too large (a cycle?)")
        if node is None:
            out.append(None)
            continue
        out.append(node.val)
        queue.append(node.left)
        queue.append(node.right)
    while out and out[-1] is None:
        out.pop()
    return out


def convert_in(typ, v):
    if typ == "ListNode":
        return to_list_node(v)
    if typ == "ListNode[]":
        return [to_list_node(x) for x in v]
    if typ == "TreeNode":
        return to_tree_node(v)
    if typ == "double":
        return float(v)
    return v


def convert_out(typ, v):
    if typ == "ListNode":
        return from_list_node(v)
    if typ == "TreeNode":
        return from_tree_node(v)
    if typ == "double" and isinstance(v, int) and not isinstance(v, bool):
        return float(v)
    return v


class Capture(io.TextIOBase):
    """A case's print output: the first limit characters are kept."""

    def __init__(self, limit):
        self.limit, self.parts, self.size, self.truncated = limit, [], 0, False

    def writable(self):
        return True

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        room = self.limit - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(room, len(s))
        if len(s) > room:
            self.truncated = True
        return len(s)

    def text(self):
        return "".join(self.parts)


def user_line(tb):
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "solution.py":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


ESCAPES = {i: "\\u%04x" % i for i in range(0x20)}
ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"})
INF = float("inf")


class Raw(str):
    """JSON text already encoded."""


def to_json(v, out):
    """Appends v's JSON to the list out."""
    if type(v) is Raw:
        out.append(v)
    elif v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(int.__repr__(v))
    elif isinstance(v, float):
        if v != v or v in (INF, -INF):
            raise ValueError("%r is not a JSON number" % v)
        out.append(float.__repr__(v))
    elif isinstance(v, str):
        out.append('"' + v.translate(ESCAPES) + '"')
    elif isinstance(v, dict):
        out.append("{")
        for i, (k, x) in enumerate(v.items()):
            if i:
                out.append(",")
            if not isinstance(k, str):
                k = str(k)
            to_json(k, out)
            out.append(":")
            to_json(x, out)
        out.append("}")
    elif isinstance(v, (list, tuple, set, frozenset)):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            to_json(x, out)
        out.append("]")
    elif isinstance(v, ListNode):
        to_json(from_list_node(v), out)
    elif isinstance(v, TreeNode):
        to_json(from_tree_node(v), out)
    else:
        raise TypeError("the function returned a %s, which has no JSON form" % type(v).__name__)


def dumps(v):
    out = []
    to_json(v, out)
    return "".join(out)


class Builtins(dict):
    """The user's builtins: typing's names (List, Optional, ...) are
    there too, as on LeetCode, imported on first use."""

    def __missing__(self, name):
        if name[:1].isupper():
            import typing

            if name in typing.__all__:
                value = getattr(typing, name)
                self[name] = value
                return value
        raise KeyError(name)


def describe(e):
    line = user_line(e.__traceback__)
    if isinstance(e, SyntaxError) and e.filename == "solution.py":
        line = e.lineno
    return {"type": type(e).__name__, "message": str(e), "line": line}


def snake(name):
    return "".join("_" + c.lower() if c.isupper() and i > 0 else c.lower() if c.isupper() else c for i, c in enumerate(name))


def main():
    job = eval(sys.stdin.buffer.read().decode(), {"__builtins__": {}, "true": True, "false": False, "null": None})
    nonce = job.pop("nonce").encode()
    fd = 1

    def emit(obj):
        os.write(fd, nonce + b" " + dumps(obj).encode("utf-8", "surrogatepass") + b"\n")

    def oom():
        # Unprintable once memory is gone: let the sandbox see it on stderr.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        os.write(2, b"MemoryError\n")
        os._exit(3)

    name, params, returns = job["function"], job["params"], job["returns"]
    limit = job.get("stdout_limit", 8192)
    builtins = Builtins(__builtins__.__dict__ if hasattr(__builtins__, "__dict__") else __builtins__)
    ns = {"__name__": "solution", "__builtins__": builtins, "ListNode": ListNode, "TreeNode": TreeNode}
    out = Capture(limit)
    sys.stdout = sys.stderr = out
    try:
        # Annotations stay unevaluated (from __future__ import annotations).
        exec(compile(job.pop("code"), "solution.py", "exec", flags=0x1000000, dont_inherit=True), ns)
        fn = None
        for n in (name, snake(name)):
            if callable(ns.get(n)):
                fn = ns[n]
                break
        if fn is None and isinstance(ns.get("Solution"), type):
            inst = ns["Solution"]()
            for n in (name, snake(name)):
                if callable(getattr(inst, n, None)):
                    fn = getattr(inst, n)
                    break
        if fn is None:
            raise NameError("define a function named %s (or %s)" % (snake(name), name))
    except MemoryError:
        oom()
    except BaseException as e:  # noqa: BLE001 (SystemExit too: the user's code ends here)
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        emit({"fatal": describe(e), "stdout": out.text()})
        return
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    emit({"loaded": True, "stdout": out.text()})

    for i, args in enumerate(job.pop("cases")):
        out = Capture(limit)
        res = {"i": i}
        try:
            conv = [convert_in(t, a) for t, a in zip(params, args)]
            sys.stdout = sys.stderr = out
            start = time.perf_counter()
            try:
                value = fn(*conv)
            finally:
                res["ms"] = (time.perf_counter() - start) * 1000
                sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            res["value"] = Raw(dumps(convert_out(returns, value)))
        except MemoryError:
            oom()
        except BaseException as e:  # noqa: BLE001
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
            res.pop("value", None)
            res["error"] = describe(e)
        res["stdout"], res["truncated"] = out.text(), out.truncated
        try:
            emit(res)
        except MemoryError:
            oom()
        except (TypeError, ValueError) as e:
            emit({"i": i, "ms": res.get("ms", 0), "stdout": res["stdout"], "truncated": res["truncated"],
                  "error": {"type": type(e).__name__, "message": "the result has no JSON form: " + str(e), "line": None}})
    emit({"done": True})
    # Everything is written (os.write, unbuffered): skip the interpreter's
    # teardown, tens of milliseconds in the sandbox.
    os._exit(0)


main()
