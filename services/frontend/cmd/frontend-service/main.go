// Command frontend-service serves the PeerPrep web app: the Vite build
// embedded in the binary, behind the ALB's default rule.
package main

import "github.com/peerprep/peerprep/libs/service"

func main() { service.Main("frontend-service", run) }
