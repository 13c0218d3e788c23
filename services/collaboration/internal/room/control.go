package room

import (
	"context"

	"github.com/peerprep/peerprep/services/collaboration/internal/docstream"
	"github.com/peerprep/peerprep/services/collaboration/internal/yproto"
)

// Control sends payload as a control message (yproto.TypeControl) to every
// socket of the session on every replica, this one included: the signal
// comes back to this replica's subscription too, so it is not also sent
// here directly. Like awareness it is not kept; clients read the state
// over HTTP when they (re)connect.
func (h *Hub) Control(ctx context.Context, sid string, payload []byte) error {
	return h.o.Signals.Publish(ctx, sid, docstream.Signal{Kind: docstream.SigControl, Data: yproto.Control(payload)})
}
