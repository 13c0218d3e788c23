def letterCasePermutation(s):
    out = [""]
    for c in s:
        if c.isalpha():
            out = [p + x for p in out for x in (c.lower(), c.upper())]
        else:
            out = [p + c for p in out]
    return out
