def sortedSquares(nums):
    out = [0] * len(nums)
    lo, hi = 0, len(nums) - 1
    for i in range(len(nums) - 1, -1, -1):
        if abs(nums[lo]) > abs(nums[hi]):
            out[i] = nums[lo] * nums[lo]
            lo += 1
        else:
            out[i] = nums[hi] * nums[hi]
            hi -= 1
    return out
