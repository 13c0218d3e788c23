-- One database per service that owns one (config.DatabaseName).
CREATE DATABASE peerprep_user;
CREATE DATABASE peerprep_question;
CREATE DATABASE peerprep_history;
CREATE DATABASE peerprep_collaboration;
CREATE DATABASE peerprep_chat;
CREATE DATABASE peerprep_execution;
