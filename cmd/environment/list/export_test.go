package list

// ListRun lets the external tests run the command with a Locks hook of their own.
var ListRun = listRun
