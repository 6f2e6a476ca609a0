"""Charts, the statistical publication, and their HTML and PDF writers."""
