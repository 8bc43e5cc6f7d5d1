-- Runs once, when the PostgreSQL volume is new: the production log gets its own database beside the
-- registry's, so each can be backed up, moved or given its own server later.
CREATE DATABASE production;
