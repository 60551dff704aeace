"""The live stream: a target's watches turned into file changes on its branch writer."""
