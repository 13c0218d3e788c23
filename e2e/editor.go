package e2e

import (
	"context"
	"io"
	"net/url"
	"time"

	"github.com/peerprep/peerprep/libs/yjsclient"
)

// EditorDir is the Node editor client (the real yjs + y-websocket
// packages, with a committed lockfile) relative to the repository root; the
// collaboration-service tests drive the same client (libs/yjsclient).
const EditorDir = "services/collaboration/testdata/yclient"

// InstallEditor makes sure the editor client's packages are installed.
func InstallEditor(ctx context.Context, dir string, log io.Writer) error {
	return yjsclient.Install(ctx, dir, log)
}

// Editor is one Node process holding a Y.Doc bound to a session through
// y-websocket's WebsocketProvider, as the browser editor is.
type Editor struct{ c *yjsclient.Client }

// StartEditor starts an editor for session on the platform, signed in with token.
func (c *Client) StartEditor(dir, session, token, name string) (*Editor, error) {
	yc, err := yjsclient.Start(dir, c.WSURL("/collaboration-service-api/sessions/"+url.PathEscape(session)), token, name, "query")
	if err != nil {
		return nil, err
	}
	return &Editor{c: yc}, nil
}

// Connect opens the provider and waits until it has synced.
func (ed *Editor) Connect(ctx context.Context) error {
	if _, err := ed.c.Do(ctx, "connect", nil); err != nil {
		return err
	}
	_, err := ed.c.Do(ctx, "waitSynced", map[string]any{"timeout": 15000})
	return err
}

// Type inserts text at the end, one character (one Yjs update) at a time.
func (ed *Editor) Type(ctx context.Context, text string, delay time.Duration) error {
	_, err := ed.c.Do(ctx, "type", map[string]any{"text": text, "delay": delay.Milliseconds()})
	return err
}

// SetLanguage sets the shared language in the document.
func (ed *Editor) SetLanguage(ctx context.Context, lang string) error {
	_, err := ed.c.Do(ctx, "setLanguage", map[string]any{"language": lang})
	return err
}

// WaitText waits until the document contains every part and returns it.
func (ed *Editor) WaitText(ctx context.Context, parts ...string) (string, error) {
	res, err := ed.c.Do(ctx, "waitText", map[string]any{"contains": append([]string{}, parts...), "timeout": 15000})
	if err != nil {
		return "", err
	}
	s, _ := res["text"].(string)
	return s, nil
}

// Close ends the Node process.
func (ed *Editor) Close() { ed.c.Close() }
