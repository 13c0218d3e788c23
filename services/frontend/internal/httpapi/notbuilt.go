package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/peerprep/peerprep/libs/httperr"
)

var zeroTime time.Time

// notBuilt answers every navigation of a binary compiled without the web
// build with a page that says how to get one; other requests get a 404.
func notBuilt(c echo.Context) error {
	if !acceptsHTML(c.Request()) {
		return httperr.NotFound("the web app is not built into this binary")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(http.StatusOK, []byte(notBuiltPage))
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PeerPrep: the web app is not built</title></head>
<body><main><h1>The web app is not built</h1>
<p>This frontend-service binary was compiled without the web app. Build it and compile again:</p>
<pre>cd services/frontend/web &amp;&amp; npm ci &amp;&amp; npm run build
cd .. &amp;&amp; go build ./cmd/frontend-service</pre>
<p>Or run <code>go run mage.go dev</code> from the repository root, which builds the app and
serves the whole system at http://localhost:8080.</p></main></body></html>
`
