function mergeKLists(lists) {
  const merge = (a, b) => {
    const dummy = new ListNode(0, null);
    let tail = dummy;
    while (a && b) {
      if (a.val <= b.val) [tail.next, a] = [a, a.next];
      else [tail.next, b] = [b, b.next];
      tail = tail.next;
    }
    tail.next = a || b;
    return dummy.next;
  };
  let round = lists.filter(Boolean);
  if (round.length === 0) return null;
  while (round.length > 1) {
    const next = [];
    for (let i = 0; i < round.length; i += 2) next.push(merge(round[i], round[i + 1] || null));
    round = next;
  }
  return round[0];
}
