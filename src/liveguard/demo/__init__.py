"""Demo data (演示数据): a believable, clearly labelled demo platform for trying LiveGuard out."""
