function coinChange(coins, amount) {
  const fewest = new Array(amount + 1).fill(Infinity);
  fewest[0] = 0;
  for (let total = 1; total <= amount; total++) {
    for (const c of coins) {
      if (c <= total && fewest[total - c] + 1 < fewest[total]) fewest[total] = fewest[total - c] + 1;
    }
  }
  return fewest[amount] === Infinity ? -1 : fewest[amount];
}
