package yproto

// TypeControl is PeerPrep's own message type on the collaboration socket:
// a small JSON payload from the server (such as a mock interview's new
// phase). A stock y-websocket client without a handler for it logs an
// error and carries on; the web app registers one. Clients never send it.
const TypeControl = 100

// Control is a control message carrying payload.
func Control(payload []byte) []byte {
	return appendVarBytes(AppendVarUint(nil, TypeControl), payload)
}
