def coinChange(coins, amount):
    never = amount + 1
    fewest = [0] + [never] * amount
    for total in range(1, amount + 1):
        for c in coins:
            if c <= total and fewest[total - c] + 1 < fewest[total]:
                fewest[total] = fewest[total - c] + 1
    return -1 if fewest[amount] == never else fewest[amount]
