package remote

import "golang.org/x/crypto/ssh"

// requestPty asks sshd for a terminal for the session, as ssh -t does: 200
// columns (scap pads its progress to 80), echo off (nothing is typed).
func requestPty(sess *ssh.Session) error {
	return sess.RequestPty("xterm", 50, 200, ssh.TerminalModes{ssh.ECHO: 0, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400})
}
