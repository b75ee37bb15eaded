"""The front ends: the command line and its commands, the app's handlers, and serving the app
behind its HTTP safety layer."""
