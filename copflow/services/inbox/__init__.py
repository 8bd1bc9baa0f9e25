"""The programme's mailbox, read back (docs/mailbox.md): each message claimed once by its Message-ID, sorted (a
bounce, an auto-reply, a calendar reply, a lead's lessons learned, anything else forwarded to the programme's
contact address, or quarantined with its reason) and then moved to a folder by outcome, never deleted."""
