def reverseKGroup(head, k):
    dummy = ListNode(0, head)
    before = dummy
    while True:
        end = before
        for _ in range(k):
            end = end.next
            if end is None:
                return dummy.next
        first, after = before.next, end.next
        prev, node = after, first
        while node is not after:
            node.next, prev, node = prev, node, node.next
        before.next = end
        before = first
