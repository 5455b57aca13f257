"""The HTML report: one self-contained page (Plotly inlined) that each stage of the loop adds a section to (`html`),
the charts of each stage, and how figures read in words (`wording`)."""
