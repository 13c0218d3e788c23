from math import gcd


def maxPoints(points):
    best = 1
    for i, (x1, y1) in enumerate(points):
        slopes = {}
        for x2, y2 in points[i + 1:]:
            dx, dy = x2 - x1, y2 - y1
            g = gcd(dx, dy)
            dx, dy = dx // g, dy // g
            if dx < 0 or (dx == 0 and dy < 0):
                dx, dy = -dx, -dy
            slopes[(dx, dy)] = slopes.get((dx, dy), 1) + 1
            best = max(best, slopes[(dx, dy)])
    return best
