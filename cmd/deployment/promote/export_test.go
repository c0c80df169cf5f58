package promote

// PromoteRun lets the external tests run the command with a clock of their own.
var PromoteRun = promoteRun
