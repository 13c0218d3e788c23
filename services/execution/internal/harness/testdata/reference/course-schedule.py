def canFinish(numCourses, prerequisites):
    after = [[] for _ in range(numCourses)]
    waiting = [0] * numCourses
    for a, b in prerequisites:
        after[b].append(a)
        waiting[a] += 1
    ready = [c for c in range(numCourses) if waiting[c] == 0]
    done = 0
    while ready:
        c = ready.pop()
        done += 1
        for a in after[c]:
            waiting[a] -= 1
            if waiting[a] == 0:
                ready.append(a)
    return done == numCourses
