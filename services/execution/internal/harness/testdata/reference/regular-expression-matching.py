def isMatch(s, p):
    # match[i][j]: s[i:] matches p[j:]
    match = [[False] * (len(p) + 1) for _ in range(len(s) + 1)]
    match[len(s)][len(p)] = True
    for i in range(len(s), -1, -1):
        for j in range(len(p) - 1, -1, -1):
            first = i < len(s) and p[j] in (s[i], ".")
            if j + 1 < len(p) and p[j + 1] == "*":
                match[i][j] = match[i][j + 2] or (first and match[i + 1][j])
            else:
                match[i][j] = first and match[i + 1][j + 1]
    return match[0][0]
