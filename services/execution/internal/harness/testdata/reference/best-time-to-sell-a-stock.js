function maxProfit(prices) {
  let best = 0;
  let low = prices[0];
  for (const p of prices) {
    low = Math.min(low, p);
    best = Math.max(best, p - low);
  }
  return best;
}
