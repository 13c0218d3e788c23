# The Python driver of the execution harness (internal/harness). It runs
# as the sandbox's main program and reads one JSON object from stdin:
#   {"nonce", "code", "function", "params": [type], "returns": type,
#    "cases": [[arg, ...], ...], "stdout_limit"}
# It loads the user's code as solution.py, then calls the function once
# per case with the arguments converted to the signature's types. Every
# result is one line on fd 1, "<nonce> <json>\n", written with a single
# os.write; the user's prints go to a per-case buffer instead, and lines
# without the nonce are ignored by the Go side.
import io
import json
import os
import sys
import time
import traceback
from typing import *  # noqa: F401,F403  (LeetCode-style annotations: List, Optional, ...)


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


def plain(v):
    # Containers the user may return that JSON has no spelling for.
    if isinstance(v, (set, frozenset)):
        return list(v)
    if isinstance(v, ListNode):
        return from_list_node(v)
    if isinstance(v, TreeNode):
        return from_tree_node(v)
    raise TypeError("the function returned a %s, which has no JSON form" % type(v).__name__)


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
    for frame in traceback.extract_tb(tb):
        if frame.filename == "solution.py":
            line = frame.lineno
    return line


def describe(e):
    line = user_line(e.__traceback__)
    if isinstance(e, SyntaxError) and e.filename == "solution.py":
        line = e.lineno
    return {"type": type(e).__name__, "message": str(e), "line": line}


def snake(name):
    return "".join("_" + c.lower() if c.isupper() and i > 0 else c.lower() if c.isupper() else c for i, c in enumerate(name))


def main():
    job = json.loads(sys.stdin.buffer.read())
    nonce = job.pop("nonce").encode()
    fd = 1

    def emit(obj):
        os.write(fd, nonce + b" " + json.dumps(obj, separators=(",", ":")).encode() + b"\n")

    def oom():
        # Unprintable once memory is gone: let the sandbox see it on stderr.
        sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        os.write(2, b"MemoryError\n")
        os._exit(3)

    name, params, returns = job["function"], job["params"], job["returns"]
    limit = job.get("stdout_limit", 8192)
    ns = {"__name__": "solution", "__builtins__": __builtins__, "ListNode": ListNode, "TreeNode": TreeNode}
    for k in ("List", "Optional", "Dict", "Set", "Tuple", "Deque"):
        ns[k] = globals()[k]
    out = Capture(limit)
    sys.stdout = sys.stderr = out
    try:
        exec(compile(job.pop("code"), "solution.py", "exec"), ns)
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
            res["value"] = json.loads(json.dumps(convert_out(returns, value), default=plain, allow_nan=False))
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


main()
