module github.com/peerprep/peerprep/services/chat

go 1.26.0

require github.com/peerprep/peerprep/libs v0.0.0

replace github.com/peerprep/peerprep/libs => ../../libs
