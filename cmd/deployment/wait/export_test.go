package wait

// WaitRun lets the external tests run the command with a clock of their own.
var WaitRun = waitRun
