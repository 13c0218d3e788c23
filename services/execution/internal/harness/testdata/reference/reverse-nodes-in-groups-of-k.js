function reverseKGroup(head, k) {
  const dummy = new ListNode(0, head);
  let before = dummy;
  for (;;) {
    let end = before;
    for (let i = 0; i < k; i++) {
      end = end.next;
      if (!end) return dummy.next;
    }
    const first = before.next;
    const after = end.next;
    let prev = after;
    let node = first;
    while (node !== after) [node.next, prev, node] = [prev, node, node.next];
    before.next = end;
    before = first;
  }
}
