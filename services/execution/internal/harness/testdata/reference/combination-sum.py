def combinationSum(candidates, target):
    candidates = sorted(candidates)
    out = []

    def extend(start, left, chosen):
        if left == 0:
            out.append(list(chosen))
            return
        for i in range(start, len(candidates)):
            c = candidates[i]
            if c > left:
                break
            chosen.append(c)
            extend(i, left - c, chosen)
            chosen.pop()

    extend(0, target, [])
    return out
