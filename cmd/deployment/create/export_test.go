package create

// CreateRun lets the external tests run the command with a clock of their own.
var CreateRun = createRun
