"""The notebook the browser tests open in JupyterLab."""

# The notebook every browser test looks at. Indices matter: tests re-run cells by position.
CELLS = [
    "%load_ext traceops_nb",
    "import openai\nimport traceops_nb\nfrom agent import QUESTION, QUESTION_V2, SYSTEM_V2, XSS_QUESTION, run_agent\n"
    "client = openai.OpenAI()",
    "%%replay cassettes/agent.yaml --as run\nrun_agent(client, QUESTION)",
    "dbg = %traceops debug run\ndbg.step = 2\ndbg",
    "print('python sees step', dbg.step)",
    "dbg.step = 1  # after the view exists: Python moves it",
    "%%replay cassettes/agent_v2.yaml --as run_v2 --quiet\n"
    "run_agent(client, QUESTION_V2, model='gpt-5.4', system=SYSTEM_V2, fetch=True)",
    "%traceops diff run run_v2",
    "%%replay cassettes/xss.yaml --as xss\nrun_agent(client, XSS_QUESTION)",
    "traceops_nb.DebuggerWidget(xss, step=3)",
    "%traceops diff run xss",
]
PRINT_STEP_CELL = 4

# The light-theme page and the dark-theme page each open their own copy.
NOTEBOOKS = ("widgets.ipynb", "widgets-dark.ipynb")
