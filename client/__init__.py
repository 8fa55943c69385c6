"""What runs at the user end: the terminal follower and the web pages."""
