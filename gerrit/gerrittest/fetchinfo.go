package gerrittest

import "strings"

// fetchInfo is RevisionInfo.fetch: the http download scheme (git over
// HTTP on this server), the URL with the caller's username when logged in,
// and with DOWNLOAD_COMMANDS the commands Gerrit's download-commands
// plugin lists.
func (s *Server) fetchInfo(c *change, ps *patchSet, o options, caller int) map[string]any {
	u := s.url
	if a := s.users[caller]; caller != 0 && a != nil {
		u = strings.Replace(u, "://", "://"+a.Username+"@", 1)
	}
	u += c.Project
	http := map[string]any{"url": u, "ref": ps.Ref}
	if o["DOWNLOAD_COMMANDS"] {
		fetch := "git fetch " + u + " " + ps.Ref
		http["commands"] = map[string]string{
			"Checkout":     fetch + " && git checkout FETCH_HEAD",
			"Cherry-Pick":  fetch + " && git cherry-pick FETCH_HEAD",
			"Format-Patch": fetch + " && git format-patch -1 --stdout FETCH_HEAD",
			"Pull":         "git pull " + u + " " + ps.Ref,
		}
	}
	return map[string]any{"http": http}
}
