module github.com/peerprep/peerprep

go 1.26
