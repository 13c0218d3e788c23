def ladderLength(beginWord, endWord, wordList):
    words = set(wordList)
    if endWord not in words:
        return 0
    level, steps = {beginWord}, 1
    words.discard(beginWord)
    while level:
        if endWord in level:
            return steps
        following = set()
        for w in level:
            for i in range(len(w)):
                for c in "abcdefghijklmnopqrstuvwxyz":
                    v = w[:i] + c + w[i + 1:]
                    if v in words:
                        words.discard(v)
                        following.add(v)
        level, steps = following, steps + 1
    return 0
