export declare const quietWranglerEnv: NodeJS.ProcessEnv;
export declare const localDevVarArgs: string[];
